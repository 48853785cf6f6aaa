# Writes postman/collection.json and postman/local.postman_environment.json: python3 scripts/generate-postman.py
import json, uuid

def req(name, method, url, body=None, tests="", pre=None, raw=None, headers=None):
    h = [{"key": "Content-Type", "value": "application/json"}] if (body is not None or raw is not None) else []
    h += headers or []
    item = {"name": name, "request": {"method": method, "header": h, "url": url}}
    if body is not None or raw is not None:
        item["request"]["body"] = {"mode": "raw", "raw": raw if raw is not None else json.dumps(body, indent=2), "options": {"raw": {"language": "json"}}}
    events = []
    if pre:
        events.append({"listen": "prerequest", "script": {"type": "text/javascript", "exec": pre.strip().split("\n")}})
    if tests:
        events.append({"listen": "test", "script": {"type": "text/javascript", "exec": tests.strip().split("\n")}})
    item["event"] = events
    return item

CUSTOMER = [{"key": "Authorization", "value": "Bearer {{customerToken}}"}]
ADMIN = [{"key": "Authorization", "value": "Bearer {{adminToken}}"}]

ERR = """
pm.test('error body has the contract shape', () => {
  const e = pm.response.json().error;
  pm.expect(e).to.be.an('object');
  pm.expect(e.code).to.be.a('string');
  pm.expect(e.message).to.be.a('string');
});
"""
def err(status, code):
    return f"""
pm.test('status is {status}', () => pm.response.to.have.status({status}));
pm.test('code is {code}', () => pm.expect(pm.response.json().error.code).to.eql('{code}'));
""" + ERR

demo = [
  req("Create user", "POST", "{{userUrl}}/users", raw='{\n  "name": "Ada Postman",\n  "email": "Ada.{{$guid}}@Example.com",\n  "password": "{{userPassword}}"\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
const u = pm.response.json();
pm.test('user has id, name, lower-cased email, createdAt, and no password or role', () => {
  pm.expect(Object.keys(u).sort()).to.eql(['createdAt', 'email', 'id', 'name']);
  pm.expect(u.id).to.match(/^[0-9a-f-]{36}$/);
  pm.expect(u.name).to.eql('Ada Postman');
  pm.expect(u.email).to.eql(u.email.toLowerCase());
  pm.expect(u.createdAt).to.match(/Z$/);
});
pm.test('X-Request-Id is set', () => pm.response.to.have.header('X-Request-Id'));
pm.collectionVariables.set('userId', u.id);
pm.collectionVariables.set('userEmail', u.email);
"""),
  req("Log in (customer): token stored in customerToken", "POST", "{{userUrl}}/auth/token", raw='{\n  "email": "{{userEmail}}",\n  "password": "{{userPassword}}"\n}', tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
const t = pm.response.json();
pm.test('a Bearer access token', () => {
  pm.expect(t.tokenType).to.eql('Bearer');
  pm.expect(t.expiresIn).to.be.above(0);
  pm.expect(t.accessToken.split('.').length).to.eql(3);
});
pm.collectionVariables.set('customerToken', t.accessToken);
"""),
  req("Log in (admin): token stored in adminToken", "POST", "{{userUrl}}/auth/token", raw='{\n  "email": "{{adminEmail}}",\n  "password": "{{adminPassword}}"\n}', tests="""
pm.test('status is 200 (ADMIN_EMAIL/ADMIN_PASSWORD of the services = adminEmail/adminPassword here)', () => pm.response.to.have.status(200));
pm.collectionVariables.set('adminToken', pm.response.json().accessToken);
"""),
  req("Public keys (JWKS)", "GET", "{{userUrl}}/.well-known/jwks.json", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('public keys only', () => {
  const keys = pm.response.json().keys;
  pm.expect(keys.length).to.be.at.least(1);
  keys.forEach((k) => { pm.expect(k.kid).to.be.a('string'); pm.expect(k).to.not.have.property('d'); });
});
"""),
  req("Get user (self)", "GET", "{{userUrl}}/users/{{userId}}", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('it is the created user', () => pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get('userId')));
"""),
  req("List users (admin)", "GET", "{{userUrl}}/users?limit=5&offset=0", headers=ADMIN, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
const b = pm.response.json();
pm.test('a page with pagination', () => {
  pm.expect(b.data).to.be.an('array');
  pm.expect(b.data.length).to.be.at.most(5);
  pm.expect(b.pagination.limit).to.eql(5);
  pm.expect(b.pagination.offset).to.eql(0);
  pm.expect(b.pagination.total).to.be.at.least(1);
});
"""),
  req("Create event (admin, 1 seat)", "POST", "{{eventUrl}}/events", headers=ADMIN, body={"name": "Postman Jazz Night", "description": "Quartet", "venue": "Blue Hall", "startsAt": "2099-06-01T19:30:00Z", "totalSeats": 1}, tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
const e = pm.response.json();
pm.test('every seat is available', () => {
  pm.expect(e.totalSeats).to.eql(1);
  pm.expect(e.availableSeats).to.eql(1);
  pm.expect(e.startsAt).to.eql('2099-06-01T19:30:00.000Z');
});
pm.collectionVariables.set('eventId', e.id);
"""),
  req("Get event (first read: from MySQL)", "GET", "{{eventUrl}}/events/{{eventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('cached is false', () => pm.expect(pm.response.json().cached).to.eql(false));
pm.test('X-Cache is MISS', () => pm.expect(pm.response.headers.get('X-Cache')).to.eql('MISS'));
"""),
  req("Get event (second read: from Redis)", "GET", "{{eventUrl}}/events/{{eventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('cached is true', () => pm.expect(pm.response.json().cached).to.eql(true));
pm.test('X-Cache is HIT', () => pm.expect(pm.response.headers.get('X-Cache')).to.eql('HIT'));
"""),
  req("List events", "GET", "{{eventUrl}}/events?limit=10", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('newest first includes the event', () => pm.expect(pm.response.json().data.map((e) => e.id)).to.include(pm.collectionVariables.get('eventId')));
"""),
  req("Book the seat (for yourself: userId comes from the token)", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "eventId": "{{eventId}}",\n  "quantity": 1\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
const b = pm.response.json();
pm.test('booking is confirmed', () => {
  pm.expect(b.status).to.eql('confirmed');
  pm.expect(b.quantity).to.eql(1);
  pm.expect(b.userId).to.eql(pm.collectionVariables.get('userId'));
  pm.expect(b.eventId).to.eql(pm.collectionVariables.get('eventId'));
});
pm.collectionVariables.set('bookingId', b.id);
"""),
  req("Book again: sold out", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "userId": "{{userId}}",\n  "eventId": "{{eventId}}"\n}', tests=err(409, "SOLD_OUT")),
  req("Get booking", "GET", "{{bookingUrl}}/bookings/{{bookingId}}", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('it is the booking', () => pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get('bookingId')));
"""),
  req("List my bookings", "GET", "{{bookingUrl}}/bookings", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('exactly the one booking', () => {
  const b = pm.response.json();
  pm.expect(b.pagination.total).to.eql(1);
  pm.expect(b.data[0].id).to.eql(pm.collectionVariables.get('bookingId'));
});
"""),
  req("Event shows the seat taken", "GET", "{{eventUrl}}/events/{{eventId}}", pre="setTimeout(() => {}, 1000); // the cache refresh consumer needs a moment", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('availableSeats is 0', () => pm.expect(pm.response.json().availableSeats).to.eql(0));
"""),
  req("See the notification", "GET", "{{notificationUrl}}/notifications?bookingId={{bookingId}}", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('one booking.confirmed notification', () => {
  const n = pm.response.json();
  pm.expect(n.pagination.total).to.eql(1);
  pm.expect(n.data[0].type).to.eql('booking.confirmed');
  pm.expect(n.data[0].bookingId).to.eql(pm.collectionVariables.get('bookingId'));
  pm.expect(n.data[0].userId).to.eql(pm.collectionVariables.get('userId'));
  pm.expect(n.data[0].message).to.be.a('string');
});
"""),
  req("List my notifications", "GET", "{{notificationUrl}}/notifications?limit=10", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('the user has one notification', () => pm.expect(pm.response.json().pagination.total).to.eql(1));
"""),
  req("Raise capacity (admin)", "PATCH", "{{eventUrl}}/events/{{eventId}}", headers=ADMIN, body={"totalSeats": 3, "name": "Postman Jazz Night (extra seats)"}, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('available moved with total', () => {
  const e = pm.response.json();
  pm.expect(e.totalSeats).to.eql(3);
  pm.expect(e.availableSeats).to.eql(2);
});
"""),
  req("Event after the change (from MySQL)", "GET", "{{eventUrl}}/events/{{eventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('new values, not cached', () => {
  const e = pm.response.json();
  pm.expect(e.cached).to.eql(false);
  pm.expect(e.availableSeats).to.eql(2);
});
"""),
]

# After the demo flow raised the event to 3 seats (2 free). A new key per run keeps the collection re-runnable.
KEYED_BODY = '{\n  "userId": "{{userId}}",\n  "eventId": "{{eventId}}",\n  "quantity": 1\n}'
KEY_HEADER = CUSTOMER + [{"key": "Idempotency-Key", "value": "{{idemKey}}"}]
lifecycle = [
  req("Book with an Idempotency-Key", "POST", "{{bookingUrl}}/bookings", raw=KEYED_BODY, headers=KEY_HEADER,
      pre="pm.collectionVariables.set('idemKey', 'postman-' + pm.variables.replaceIn('{{$guid}}'));", tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.test('not a replay', () => pm.expect(pm.response.headers.has('Idempotent-Replayed')).to.eql(false));
const b = pm.response.json();
pm.test('booking is confirmed, without cancelledAt', () => {
  pm.expect(b.status).to.eql('confirmed');
  pm.expect(b).to.not.have.property('cancelledAt');
});
pm.collectionVariables.set('keyedBookingId', b.id);
"""),
  req("Retry with the same key: the same booking, replayed", "POST", "{{bookingUrl}}/bookings", raw=KEYED_BODY, headers=KEY_HEADER, tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.test('Idempotent-Replayed is true', () => pm.expect(pm.response.headers.get('Idempotent-Replayed')).to.eql('true'));
pm.test('the same booking', () => pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get('keyedBookingId')));
"""),
  req("Same key, another quantity -> 422", "POST", "{{bookingUrl}}/bookings", raw='{\n  "userId": "{{userId}}",\n  "eventId": "{{eventId}}",\n  "quantity": 2\n}', headers=KEY_HEADER, tests=err(422, "IDEMPOTENCY_MISMATCH")),
  req("Event: one seat taken by the keyed booking", "GET", "{{eventUrl}}/events/{{eventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('availableSeats is 1 of 3', () => pm.expect(pm.response.json().availableSeats).to.eql(1));
"""),
  req("Cancel the booking", "POST", "{{bookingUrl}}/bookings/{{keyedBookingId}}/cancel", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
const b = pm.response.json();
pm.test('cancelled, with cancelledAt', () => {
  pm.expect(b.id).to.eql(pm.collectionVariables.get('keyedBookingId'));
  pm.expect(b.status).to.eql('cancelled');
  pm.expect(b.cancelledAt).to.match(/Z$/);
});
pm.collectionVariables.set('cancelledAt', b.cancelledAt);
"""),
  req("Cancel again: the same 200", "POST", "{{bookingUrl}}/bookings/{{keyedBookingId}}/cancel", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('the same cancellation', () => {
  pm.expect(pm.response.json().status).to.eql('cancelled');
  pm.expect(pm.response.json().cancelledAt).to.eql(pm.collectionVariables.get('cancelledAt'));
});
"""),
  req("Event: the seat is back", "GET", "{{eventUrl}}/events/{{eventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('availableSeats is 2 of 3', () => pm.expect(pm.response.json().availableSeats).to.eql(2));
"""),
  req("List the user's cancelled bookings", "GET", "{{bookingUrl}}/bookings?userId={{userId}}&status=cancelled", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('exactly the cancelled booking', () => {
  const b = pm.response.json();
  pm.expect(b.pagination.total).to.eql(1);
  pm.expect(b.data[0].id).to.eql(pm.collectionVariables.get('keyedBookingId'));
  pm.expect(b.data[0].status).to.eql('cancelled');
});
"""),
  req("List the user's confirmed bookings", "GET", "{{bookingUrl}}/bookings?userId={{userId}}&status=confirmed", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('only the first booking', () => {
  const b = pm.response.json();
  pm.expect(b.pagination.total).to.eql(1);
  pm.expect(b.data[0].id).to.eql(pm.collectionVariables.get('bookingId'));
});
"""),
]

# Holds and the waitlist (docs/api.md "Holds", "Waitlist"): a hold and its confirm on an event of its own, then a
# sold-out event whose cancelled seat goes to the second customer waiting in line, who confirms the offer.
WAITER = [{"key": "Authorization", "value": "Bearer {{waiterToken}}"}]
NOTIFIED_SOON = "setTimeout(() => {}, 1500); // the outbox relay and notification-service need a moment"
checkout = [
  req("Create an event for the checkout (admin, 2 seats)", "POST", "{{eventUrl}}/events", headers=ADMIN, body={"name": "Postman Checkout", "venue": "Blue Hall", "startsAt": "2099-06-01T19:30:00Z", "totalSeats": 2}, tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.collectionVariables.set('checkoutEventId', pm.response.json().id);
"""),
  req("Hold a seat (hold: true): taken now, confirmed later", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "eventId": "{{checkoutEventId}}",\n  "quantity": 1,\n  "hold": true\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
const b = pm.response.json();
pm.test('a hold of the customer, with expiresAt after createdAt', () => {
  pm.expect(Object.keys(b).sort()).to.eql(['createdAt', 'eventId', 'expiresAt', 'id', 'quantity', 'status', 'userId']);
  pm.expect(b.status).to.eql('held');
  pm.expect(b.userId).to.eql(pm.collectionVariables.get('userId'));
  pm.expect(b.eventId).to.eql(pm.collectionVariables.get('checkoutEventId'));
  pm.expect(b.expiresAt).to.match(/Z$/);
  pm.expect(Date.parse(b.expiresAt)).to.be.above(Date.parse(b.createdAt));
});
pm.collectionVariables.set('holdId', b.id);
"""),
  req("Event: the held seat is taken", "GET", "{{eventUrl}}/events/{{checkoutEventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('availableSeats is 1 of 2', () => pm.expect(pm.response.json().availableSeats).to.eql(1));
"""),
  req("List my holds", "GET", "{{bookingUrl}}/bookings?eventId={{checkoutEventId}}&status=held", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('exactly the hold', () => {
  const b = pm.response.json();
  pm.expect(b.pagination.total).to.eql(1);
  pm.expect(b.data[0].id).to.eql(pm.collectionVariables.get('holdId'));
  pm.expect(b.data[0].status).to.eql('held');
});
"""),
  req("Confirm the hold", "POST", "{{bookingUrl}}/bookings/{{holdId}}/confirm", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
const b = pm.response.json();
pm.test('the same booking, confirmed, without expiresAt', () => {
  pm.expect(b.id).to.eql(pm.collectionVariables.get('holdId'));
  pm.expect(b.status).to.eql('confirmed');
  pm.expect(b).to.not.have.property('expiresAt');
});
"""),
  req("Confirm again: the same 200", "POST", "{{bookingUrl}}/bookings/{{holdId}}/confirm", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('still confirmed', () => pm.expect(pm.response.json().status).to.eql('confirmed'));
"""),
  req("See the confirm's notification (booking.confirmed)", "GET", "{{notificationUrl}}/notifications?bookingId={{holdId}}", headers=CUSTOMER, pre=NOTIFIED_SOON, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('one booking.confirmed notification, made at the confirm', () => {
  const n = pm.response.json();
  pm.expect(n.pagination.total).to.eql(1);
  pm.expect(n.data[0].type).to.eql('booking.confirmed');
});
"""),
  req("Waitlist while a seat is left -> 409 SEATS_AVAILABLE (book instead)", "POST", "{{bookingUrl}}/waitlist", headers=CUSTOMER, raw='{\n  "eventId": "{{checkoutEventId}}"\n}', tests=err(409, "SEATS_AVAILABLE")),
  req("Create a sold-out event (admin, 1 seat)", "POST", "{{eventUrl}}/events", headers=ADMIN, body={"name": "Postman Sold Out", "startsAt": "2099-06-01T19:30:00Z", "totalSeats": 1}, tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.collectionVariables.set('soldOutEventId', pm.response.json().id);
"""),
  req("Book its only seat", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "eventId": "{{soldOutEventId}}"\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.test('confirmed', () => pm.expect(pm.response.json().status).to.eql('confirmed'));
pm.collectionVariables.set('soldOutBookingId', pm.response.json().id);
"""),
  req("Sign up a second customer (to wait in line)", "POST", "{{userUrl}}/users", raw='{\n  "name": "Grace Postman",\n  "email": "grace.{{$guid}}@example.com",\n  "password": "{{userPassword}}"\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.collectionVariables.set('waiterId', pm.response.json().id);
pm.collectionVariables.set('waiterEmail', pm.response.json().email);
"""),
  req("Log in (second customer): token stored in waiterToken", "POST", "{{userUrl}}/auth/token", raw='{\n  "email": "{{waiterEmail}}",\n  "password": "{{userPassword}}"\n}', tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.collectionVariables.set('waiterToken', pm.response.json().accessToken);
"""),
  req("Second customer books: sold out", "POST", "{{bookingUrl}}/bookings", headers=WAITER, raw='{\n  "eventId": "{{soldOutEventId}}"\n}', tests=err(409, "SOLD_OUT")),
  req("Join the waitlist", "POST", "{{bookingUrl}}/waitlist", headers=WAITER, raw='{\n  "eventId": "{{soldOutEventId}}",\n  "quantity": 1\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
const w = pm.response.json();
pm.test('waiting, first in line', () => {
  pm.expect(w.status).to.eql('waiting');
  pm.expect(w.position).to.eql(1);
  pm.expect(w.quantity).to.eql(1);
  pm.expect(w.userId).to.eql(pm.collectionVariables.get('waiterId'));
  pm.expect(w.eventId).to.eql(pm.collectionVariables.get('soldOutEventId'));
});
pm.collectionVariables.set('entryId', w.id);
"""),
  req("Join again -> 409 CONFLICT (one active entry per user and event)", "POST", "{{bookingUrl}}/waitlist", headers=WAITER, raw='{\n  "eventId": "{{soldOutEventId}}"\n}', tests=err(409, "CONFLICT")),
  req("Cancel the booking: its seat goes to the line", "POST", "{{bookingUrl}}/bookings/{{soldOutBookingId}}/cancel", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('cancelled', () => pm.expect(pm.response.json().status).to.eql('cancelled'));
"""),
  req("Event: the seat is not back on sale (held for the line)", "GET", "{{eventUrl}}/events/{{soldOutEventId}}", tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('availableSeats is 0', () => pm.expect(pm.response.json().availableSeats).to.eql(0));
"""),
  req("The entry is offered: a hold made for it", "GET", "{{bookingUrl}}/waitlist/{{entryId}}", headers=WAITER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
const w = pm.response.json();
pm.test('offered, with the booking to confirm and its expiry, out of the line', () => {
  pm.expect(w.status).to.eql('offered');
  pm.expect(w.bookingId).to.match(/^[0-9a-f-]{36}$/);
  pm.expect(w.expiresAt).to.match(/Z$/);
  pm.expect(w).to.not.have.property('position');
});
pm.collectionVariables.set('offerId', w.bookingId);
"""),
  req("The offer is a hold of the second customer", "GET", "{{bookingUrl}}/bookings/{{offerId}}", headers=WAITER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('held for the second customer', () => {
  const b = pm.response.json();
  pm.expect(b.status).to.eql('held');
  pm.expect(b.userId).to.eql(pm.collectionVariables.get('waiterId'));
  pm.expect(b.eventId).to.eql(pm.collectionVariables.get('soldOutEventId'));
});
"""),
  req("See the offer's notification (waitlist.offered)", "GET", "{{notificationUrl}}/notifications?bookingId={{offerId}}", headers=WAITER, pre=NOTIFIED_SOON, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('one waitlist.offered notification naming the booking to confirm', () => {
  const n = pm.response.json();
  pm.expect(n.pagination.total).to.eql(1);
  pm.expect(n.data[0].type).to.eql('waitlist.offered');
  pm.expect(n.data[0].userId).to.eql(pm.collectionVariables.get('waiterId'));
  pm.expect(n.data[0].message).to.include(pm.collectionVariables.get('offerId'));
});
"""),
  req("Confirm the offer", "POST", "{{bookingUrl}}/bookings/{{offerId}}/confirm", headers=WAITER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('confirmed', () => pm.expect(pm.response.json().status).to.eql('confirmed'));
"""),
  req("The entry is confirmed", "GET", "{{bookingUrl}}/waitlist/{{entryId}}", headers=WAITER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('confirmed, with its booking', () => {
  const w = pm.response.json();
  pm.expect(w.status).to.eql('confirmed');
  pm.expect(w.bookingId).to.eql(pm.collectionVariables.get('offerId'));
});
"""),
  req("Join the waitlist (first customer, to leave it)", "POST", "{{bookingUrl}}/waitlist", headers=CUSTOMER, raw='{\n  "eventId": "{{soldOutEventId}}"\n}', tests="""
pm.test('status is 201', () => pm.response.to.have.status(201));
pm.test('waiting, first in line', () => {
  pm.expect(pm.response.json().status).to.eql('waiting');
  pm.expect(pm.response.json().position).to.eql(1);
});
pm.collectionVariables.set('leaveEntryId', pm.response.json().id);
"""),
  req("Leave the waitlist", "POST", "{{bookingUrl}}/waitlist/{{leaveEntryId}}/leave", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('left', () => {
  pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get('leaveEntryId'));
  pm.expect(pm.response.json().status).to.eql('left');
});
"""),
  req("Leave again: the same 200", "POST", "{{bookingUrl}}/waitlist/{{leaveEntryId}}/leave", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('still left', () => pm.expect(pm.response.json().status).to.eql('left'));
"""),
  req("List my entries that left", "GET", "{{bookingUrl}}/waitlist?eventId={{soldOutEventId}}&status=left", headers=CUSTOMER, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('exactly the entry that left', () => {
  const w = pm.response.json();
  pm.expect(w.pagination.total).to.eql(1);
  pm.expect(w.data[0].id).to.eql(pm.collectionVariables.get('leaveEntryId'));
});
"""),
]

errors = [
  req("User: invalid fields -> 400", "POST", "{{userUrl}}/users", body={"name": "", "email": "not-an-email", "password": "short"}, tests=err(400, "VALIDATION_FAILED") + """
pm.test('details name the three fields', () => pm.expect(pm.response.json().error.details.map((d) => d.field).sort()).to.eql(['email', 'name', 'password']));
"""),
  req("User: sign-up with a role -> 400 (always a customer)", "POST", "{{userUrl}}/users", raw='{\n  "name": "Mallory",\n  "email": "mallory.{{$guid}}@example.com",\n  "password": "{{userPassword}}",\n  "role": "admin"\n}', tests=err(400, "VALIDATION_FAILED")),
  req("Log in: wrong password -> 401", "POST", "{{userUrl}}/auth/token", raw='{\n  "email": "{{userEmail}}",\n  "password": "not-the-password"\n}', tests=err(401, "UNAUTHENTICATED") + """
pm.test('WWW-Authenticate: Bearer', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.match(/^Bearer/));
"""),
  req("Users: no token -> 401", "GET", "{{userUrl}}/users", tests=err(401, "UNAUTHENTICATED")),
  req("Users: a customer lists users -> 403", "GET", "{{userUrl}}/users", headers=CUSTOMER, tests=err(403, "FORBIDDEN")),
  req("Users: a customer reads another user -> 403", "GET", "{{userUrl}}/users/00000000-0000-4000-8000-000000000000", headers=CUSTOMER, tests=err(403, "FORBIDDEN")),
  req("Event: a customer creates an event -> 403", "POST", "{{eventUrl}}/events", headers=CUSTOMER, body={"name": "Mine", "startsAt": "2099-01-01T00:00:00Z", "totalSeats": 5}, tests=err(403, "FORBIDDEN")),
  req("Booking: a customer books for another user -> 403", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "userId": "00000000-0000-4000-8000-000000000000",\n  "eventId": "{{eventId}}"\n}', tests=err(403, "FORBIDDEN")),
  req("Booking: a garbage token -> 401", "GET", "{{bookingUrl}}/bookings", headers=[{"key": "Authorization", "value": "Bearer not.a.token"}], tests=err(401, "UNAUTHENTICATED")),
  req("Notifications: another user's -> 403", "GET", "{{notificationUrl}}/notifications?userId=00000000-0000-4000-8000-000000000000", headers=CUSTOMER, tests=err(403, "FORBIDDEN")),
  req("User: duplicate email in another case -> 409", "POST", "{{userUrl}}/users", raw='{\n  "name": "Copy",\n  "email": "{{userEmail}}",\n  "password": "{{userPassword}}"\n}', pre="pm.variables.set('userEmail', pm.collectionVariables.get('userEmail').toUpperCase());", tests=err(409, "EMAIL_TAKEN")),
  req("User: malformed JSON -> 400", "POST", "{{userUrl}}/users", raw='{"name": "A",', tests=err(400, "INVALID_JSON")),
  req("User: unknown id (admin) -> 404", "GET", "{{userUrl}}/users/00000000-0000-4000-8000-000000000000", headers=ADMIN, tests=err(404, "NOT_FOUND")),
  req("User: malformed id -> 404", "GET", "{{userUrl}}/users/not-a-uuid", headers=ADMIN, tests=err(404, "NOT_FOUND")),
  req("Users: limit out of range -> 400", "GET", "{{userUrl}}/users?limit=101", headers=ADMIN, tests=err(400, "VALIDATION_FAILED")),
  req("Event: totalSeats 0 -> 400", "POST", "{{eventUrl}}/events", headers=ADMIN, body={"name": "Bad", "startsAt": "2099-01-01T00:00:00Z", "totalSeats": 0}, tests=err(400, "VALIDATION_FAILED")),
  req("Event: startsAt not a date -> 400", "POST", "{{eventUrl}}/events", headers=ADMIN, body={"name": "Bad", "startsAt": "tomorrow", "totalSeats": 5}, tests=err(400, "VALIDATION_FAILED")),
  req("Event: empty PATCH -> 400", "PATCH", "{{eventUrl}}/events/{{eventId}}", headers=ADMIN, body={}, tests=err(400, "VALIDATION_FAILED")),
  req("Event: unknown id -> 404", "GET", "{{eventUrl}}/events/00000000-0000-4000-8000-000000000000", tests=err(404, "NOT_FOUND")),
  req("Booking: admin books for an unknown user -> 404", "POST", "{{bookingUrl}}/bookings", headers=ADMIN, raw='{\n  "userId": "00000000-0000-4000-8000-000000000000",\n  "eventId": "{{eventId}}"\n}', tests=err(404, "NOT_FOUND")),
  req("Booking: unknown event -> 404", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "userId": "{{userId}}",\n  "eventId": "00000000-0000-4000-8000-000000000000"\n}', tests=err(404, "NOT_FOUND")),
  req("Booking: quantity 11 -> 400", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER, raw='{\n  "userId": "{{userId}}",\n  "eventId": "{{eventId}}",\n  "quantity": 11\n}', tests=err(400, "VALIDATION_FAILED")),
  req("Booking: malformed id -> 404", "GET", "{{bookingUrl}}/bookings/not-a-uuid", headers=CUSTOMER, tests=err(404, "NOT_FOUND")),
  req("Booking: Idempotency-Key of 256 characters -> 400", "POST", "{{bookingUrl}}/bookings", headers=CUSTOMER + [{"key": "Idempotency-Key", "value": "k" * 256}], raw='{\n  "eventId": "{{eventId}}"\n}', tests=err(400, "VALIDATION_FAILED")),
  req("Booking: cancel an unknown booking -> 404", "POST", "{{bookingUrl}}/bookings/00000000-0000-4000-8000-000000000000/cancel", headers=CUSTOMER, tests=err(404, "NOT_FOUND")),
  req("Booking: cancel a malformed id -> 404", "POST", "{{bookingUrl}}/bookings/not-a-uuid/cancel", headers=CUSTOMER, tests=err(404, "NOT_FOUND")),
  req("Booking: cancel without a token -> 401", "POST", "{{bookingUrl}}/bookings/{{bookingId}}/cancel", tests=err(401, "UNAUTHENTICATED")),
  req("Booking: confirm an unknown booking -> 404", "POST", "{{bookingUrl}}/bookings/00000000-0000-4000-8000-000000000000/confirm", headers=CUSTOMER, tests=err(404, "NOT_FOUND")),
  req("Booking: confirm a cancelled booking -> 409", "POST", "{{bookingUrl}}/bookings/{{keyedBookingId}}/confirm", headers=CUSTOMER, tests=err(409, "CONFLICT")),
  req("Booking: confirm without a token -> 401", "POST", "{{bookingUrl}}/bookings/{{holdId}}/confirm", tests=err(401, "UNAUTHENTICATED")),
  req("Waitlist: a customer joins for another user -> 403", "POST", "{{bookingUrl}}/waitlist", headers=CUSTOMER, raw='{\n  "userId": "00000000-0000-4000-8000-000000000000",\n  "eventId": "{{soldOutEventId}}"\n}', tests=err(403, "FORBIDDEN")),
  req("Waitlist: another customer's entry -> 403", "GET", "{{bookingUrl}}/waitlist/{{entryId}}", headers=CUSTOMER, tests=err(403, "FORBIDDEN")),
  req("Waitlist: unknown event -> 404", "POST", "{{bookingUrl}}/waitlist", headers=CUSTOMER, raw='{\n  "eventId": "00000000-0000-4000-8000-000000000000"\n}', tests=err(404, "NOT_FOUND")),
  req("Waitlist: quantity 11 -> 400", "POST", "{{bookingUrl}}/waitlist", headers=CUSTOMER, raw='{\n  "eventId": "{{soldOutEventId}}",\n  "quantity": 11\n}', tests=err(400, "VALIDATION_FAILED")),
  req("Waitlist: unknown entry -> 404", "GET", "{{bookingUrl}}/waitlist/00000000-0000-4000-8000-000000000000", headers=CUSTOMER, tests=err(404, "NOT_FOUND")),
  req("Waitlist: leave a malformed id -> 404", "POST", "{{bookingUrl}}/waitlist/not-a-uuid/leave", headers=CUSTOMER, tests=err(404, "NOT_FOUND")),
  req("Waitlist: unknown status filter -> 400", "GET", "{{bookingUrl}}/waitlist?status=pending", headers=CUSTOMER, tests=err(400, "VALIDATION_FAILED")),
  req("Waitlist: no token -> 401", "GET", "{{bookingUrl}}/waitlist", tests=err(401, "UNAUTHENTICATED")),
  req("Bookings: unknown status filter -> 400", "GET", "{{bookingUrl}}/bookings?status=pending", headers=CUSTOMER, tests=err(400, "VALIDATION_FAILED")),
  req("Bookings: bad userId filter -> 400", "GET", "{{bookingUrl}}/bookings?userId=abc", headers=CUSTOMER, tests=err(400, "VALIDATION_FAILED")),
  req("Notifications: limit 0 -> 400", "GET", "{{notificationUrl}}/notifications?limit=0", headers=CUSTOMER, tests=err(400, "VALIDATION_FAILED")),
  req("Unknown route -> 404", "GET", "{{notificationUrl}}/nope", tests=err(404, "NOT_FOUND")),
]

health = []
for svc, var, deps in [("user-service", "userUrl", ["mysql"]), ("event-service", "eventUrl", ["mysql", "redis", "nats"]), ("booking-service", "bookingUrl", ["mysql", "nats"]), ("notification-service", "notificationUrl", ["mysql", "nats"])]:
    health.append(req(f"{svc} /health", "GET", "{{%s}}/health" % var, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('ok', () => pm.expect(pm.response.json()).to.eql({ status: 'ok' }));
"""))
    health.append(req(f"{svc} /ready", "GET", "{{%s}}/ready" % var, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('ready with its dependencies up', () => pm.expect(pm.response.json()).to.eql({ status: 'ready', checks: %s }));
""" % json.dumps({d: "up" for d in deps})))
    health.append(req(f"{svc} /openapi.json", "GET", "{{%s}}/openapi.json" % var, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('an OpenAPI 3.1 document', () => pm.expect(pm.response.json().openapi).to.eql('3.1.0'));
"""))
    health.append(req(f"{svc} /docs", "GET", "{{%s}}/docs" % var, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('Swagger UI', () => pm.expect(pm.response.text()).to.include('swagger-ui'));
"""))
    health.append(req(f"{svc} /", "GET", "{{%s}}/" % var, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('names the service and links its docs', () => pm.expect(pm.response.json()).to.include({ service: '%s' }).and.to.have.nested.property('links.docs', '/docs'));
""" % svc))
    health.append(req(f"{svc} /metrics", "GET", "{{%s}}/metrics" % var, tests="""
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('Prometheus text with request durations', () => pm.expect(pm.response.text()).to.include('http_request_duration_seconds'));
"""))

collection = {
  "info": {"_postman_id": "5d7c3a52-7a43-4b7e-9a55-ebs000000001", "name": "Event Booking System", "description": "Every endpoint of the contract (docs/api.md; each service also serves GET /openapi.json and Swagger UI at /docs). Run the folders in order: the demo flow captures the ids the others use. Runs again and again on the same database (each run makes its own user and event). Access: the two log-in requests store customerToken and adminToken in collection variables; adminEmail/adminPassword (environment) must be the services' ADMIN_EMAIL/ADMIN_PASSWORD.", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
  "item": [
    {"name": "1. Demo flow", "item": demo},
    {"name": "2. Lifecycle: retry with a key, cancel", "item": lifecycle},
    {"name": "3. Checkout: hold and confirm, waitlist and offer", "item": checkout},
    {"name": "4. Errors", "item": errors},
    {"name": "5. Health, docs and metrics", "item": health},
  ],
  "variable": [
    {"key": "userUrl", "value": "http://localhost:3001"},
    {"key": "eventUrl", "value": "http://localhost:3002"},
    {"key": "bookingUrl", "value": "http://localhost:3003"},
    {"key": "notificationUrl", "value": "http://localhost:3004"},
    {"key": "userId", "value": ""},
    {"key": "userEmail", "value": ""},
    {"key": "userPassword", "value": "postman-password-1"},
    {"key": "customerToken", "value": ""},
    {"key": "adminToken", "value": ""},
    {"key": "eventId", "value": ""},
    {"key": "bookingId", "value": ""},
    {"key": "idemKey", "value": ""},
    {"key": "keyedBookingId", "value": ""},
    {"key": "cancelledAt", "value": ""},
    {"key": "checkoutEventId", "value": ""},
    {"key": "holdId", "value": ""},
    {"key": "soldOutEventId", "value": ""},
    {"key": "soldOutBookingId", "value": ""},
    {"key": "waiterId", "value": ""},
    {"key": "waiterEmail", "value": ""},
    {"key": "waiterToken", "value": ""},
    {"key": "entryId", "value": ""},
    {"key": "offerId", "value": ""},
    {"key": "leaveEntryId", "value": ""},
  ],
}
import os
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "postman")
json.dump(collection, open(os.path.join(OUT, "collection.json"), "w"), indent=2)
env = {"id": "b1c0d7e2-0000-4000-8000-ebs000000002", "name": "EBS local", "values": [
  {"key": "userUrl", "value": "http://localhost:3001", "enabled": True},
  {"key": "eventUrl", "value": "http://localhost:3002", "enabled": True},
  {"key": "bookingUrl", "value": "http://localhost:3003", "enabled": True},
  {"key": "notificationUrl", "value": "http://localhost:3004", "enabled": True},
  # The admin the services bootstrap from ADMIN_EMAIL/ADMIN_PASSWORD (the .env.example and `npm start` defaults).
  {"key": "adminEmail", "value": "admin@example.com", "enabled": True},
  {"key": "adminPassword", "value": "change-this-admin-password", "enabled": True},
], "_postman_variable_scope": "environment"}
json.dump(env, open(os.path.join(OUT, "local.postman_environment.json"), "w"), indent=2)
