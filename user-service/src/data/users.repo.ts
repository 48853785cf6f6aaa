import type { Role } from '@ebs/service-kit/auth';
import type { Page } from '@ebs/service-kit/http';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type User = { id: string; name: string; email: string; createdAt: Date };
/** A new user with what only the database keeps: the password hash and the role. */
export type NewUser = User & { passwordHash: string; role: Role };
export type Credentials = { id: string; role: Role; passwordHash: string | undefined };

type UserRow = RowDataPacket & { id: string; name: string; email: string; created_at: Date };

const toUser = (r: UserRow): User => ({ id: r.id, name: r.name, email: r.email, createdAt: r.created_at });

export type UsersRepo = ReturnType<typeof createUsersRepo>;

export function createUsersRepo(pool: Pool) {
  return {
    /** 'duplicate' when the email is taken: the unique key decides, so concurrent inserts are safe. */
    async insert(user: NewUser): Promise<'inserted' | 'duplicate'> {
      try {
        await pool.execute<ResultSetHeader>(
          'INSERT INTO users (id, name, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          [user.id, user.name, user.email, user.passwordHash, user.role, user.createdAt],
        );
        return 'inserted';
      } catch (err) {
        if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return 'duplicate';
        throw err;
      }
    },

    /** What a login checks; undefined for an unknown email. */
    async findCredentials(email: string): Promise<Credentials | undefined> {
      const [rows] = await pool.execute<RowDataPacket[]>('SELECT id, role, password_hash FROM users WHERE email = ?', [
        email,
      ]);
      const r = rows[0];
      return r && { id: String(r.id), role: r.role as Role, passwordHash: r.password_hash ?? undefined };
    },

    async findById(id: string): Promise<User | undefined> {
      const [rows] = await pool.execute<UserRow[]>('SELECT id, name, email, created_at FROM users WHERE id = ?', [id]);
      return rows[0] && toUser(rows[0]);
    },

    /** Newest first; ties broken by id so pages never overlap. */
    async list(page: Page): Promise<{ users: User[]; total: number }> {
      // LIMIT/OFFSET go through query() with numbers: execute() sends them as strings, which MySQL 8 rejects.
      const [rows] = await pool.query<UserRow[]>(
        'SELECT id, name, email, created_at FROM users ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
        [page.limit, page.offset],
      );
      const [count] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS total FROM users');
      return { users: rows.map(toUser), total: Number(count[0]?.total ?? 0) };
    },
  };
}
