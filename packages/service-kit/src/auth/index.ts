// Token verification (local keys or JWKS), the auth middleware and the access rules shared by every service.
export * from './tokens';
