import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';

import {
  CallEvents,
  mapQueryParams,
  parseMyOperatorBody,
  webhookErrorHandler,
  type CallEvent,
  type QueryParamMapping,
} from '../../lib';
import { buildInCallLog } from '../../lib/testing';
import { captureEvents, createApp } from '../helpers/app';

const BY_KEY: QueryParamMapping = {
  cn: 'callerNumber',
  cr: 'callerNumberRaw',
  created: 'createdAt',
  ev: 'direction',
  su: 'status',
  state: 'callState',
  uid: 'uid',
  ci: 'companyId',
  sn: 'serviceNumber',
  upn: 'userPhoneNumber',
  ri: 'referenceId',
  cri: 'clientRefId',
  ivr: 'publicIvrId',
};

const BY_LABEL: QueryParamMapping = {
  cn: 'Caller number with country code',
  cr: 'caller number WITHOUT country code',
  created: 'Creation date of log (epoch)',
  ev: 'Event of log',
  su: 'status of log',
  state: 'Call state',
  uid: 'UID',
  ci: 'Company ID',
  sn: 'Service number',
  upn: "User's phone number",
  ri: 'Reference ID',
  cri: 'Client reference ID',
  ivr: 'ivr id',
};

// Every panel field, as MyOperator puts them in the URL (unencoded: the `+` reaches Express as a space).
const ALL_FIELDS_QUERY =
  'cn=+919876543210&cr=9876543210&created=1577797873&ev=Incoming&su=Connected&state=6' +
  '&uid=s5.347638.78643857&ci=abc123&sn=919999999999&upn=9999999999' +
  '&ri=fd771ed0-d3d1-11ea-935a-9a5b7644c4f0&cri=my-ref-1&ivr=5ee9a795b318a786&custom=static-value';

const ALL_FIELDS_PARAMS = {
  cn: ' 919876543210',
  cr: '9876543210',
  created: '1577797873',
  ev: 'Incoming',
  su: 'Connected',
  state: '6',
  uid: 's5.347638.78643857',
  ci: 'abc123',
  sn: '919999999999',
  upn: '9999999999',
  ri: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
  cri: 'my-ref-1',
  ivr: '5ee9a795b318a786',
  custom: 'static-value',
};

/** mapQueryParams() (after parseMyOperatorBody()) in front of a handler that keeps req.callEvent. */
function mappingApp(mapping: QueryParamMapping): { app: express.Express; events: Array<CallEvent | null> } {
  const capture = captureEvents();
  return { app: createApp([parseMyOperatorBody(), mapQueryParams(mapping), capture.handler]), events: capture.events };
}

/** The fields a query can fill, as plain values. */
function queryFields(event: CallEvent | null | undefined): Record<string, unknown> | null {
  if (!event) return null;
  return {
    format: event.format,
    name: event.name,
    callState: event.callState,
    caller: event.caller,
    createdAt: event.createdAt?.toISOString() ?? null,
    direction: event.direction,
    status: event.status,
    uid: event.uid,
    companyId: event.companyId,
    serviceNumber: event.serviceNumber,
    userPhoneNumber: event.userPhoneNumber,
    referenceId: event.referenceId,
    clientRefId: event.clientRefId,
    publicIvrId: event.publicIvrId,
  };
}

const ALL_FIELDS_EVENT = {
  format: 'query',
  name: 'user_answered',
  callState: 6,
  caller: { raw: '+919876543210', e164: '+919876543210', national: '9876543210', countryCode: '91' },
  createdAt: '2019-12-31T13:11:13.000Z',
  direction: 'incoming',
  status: 'connected',
  uid: 's5.347638.78643857',
  companyId: 'abc123',
  serviceNumber: '919999999999',
  userPhoneNumber: '9999999999',
  referenceId: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
  clientRefId: 'my-ref-1',
  publicIvrId: '5ee9a795b318a786',
};

describe('mapQueryParams()', () => {
  describe('with a GET and no body', () => {
    it.each([
      ['key', BY_KEY],
      ['panel label', BY_LABEL],
    ])('builds a query event from all 13 fields named by %s', async (_by, mapping) => {
      const { app, events } = mappingApp(mapping);

      const response = await request(app).get(`/hook?${ALL_FIELDS_QUERY}`);

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
      expect(events.map(queryFields)).toEqual([ALL_FIELDS_EVENT]);
      expect(events[0]?.params).toEqual(ALL_FIELDS_PARAMS);
      // The mapped "User's phone number" (9999999999), by the users rule: E.164 with the default country code.
      expect(events[0]?.users).toEqual(['+919999999999']);
    });

    it('restores `?caller_number=+919999999999` sent unencoded, which arrives as a space', async () => {
      const { app, events } = mappingApp({ caller_number: 'Caller number with country code' });

      const response = await request(app).get('/hook?caller_number=+919999999999');

      expect(response.status).toBe(200);
      expect(events[0]?.caller).toEqual({
        raw: '+919999999999',
        e164: '+919999999999',
        national: '9999999999',
        countryCode: '91',
      });
    });

    it('reads the same number encoded as %2B, and a number without country code', async () => {
      const { app, events } = mappingApp({ cn: 'callerNumber', cr: 'callerNumberRaw' });

      await request(app).get('/hook?cn=%2B919999999999').expect(200);
      await request(app).get('/hook?cr=9876543210').expect(200);

      expect(events.map((event) => event?.caller?.e164)).toEqual(['+919999999999', '+919876543210']);
    });

    it('reads epoch seconds and epoch milliseconds as the same instant', async () => {
      const { app, events } = mappingApp({ created: 'createdAt', state: 'callState' });

      await request(app).get('/hook?created=1577797873&state=1').expect(200);
      await request(app).get('/hook?created=1577797873000&state=1').expect(200);

      expect(events.map((event) => event?.createdAt?.toISOString())).toEqual([
        '2019-12-31T13:11:13.000Z',
        '2019-12-31T13:11:13.000Z',
      ]);
    });

    it.each([
      ['Incoming', 'incoming'],
      ['1', 'incoming'],
      ['Outgoing', 'outgoing'],
      ['2', 'outgoing'],
    ])('reads the event of log %p as %p', async (sent, direction) => {
      const { app, events } = mappingApp({ ev: 'direction' });

      await request(app).get(`/hook?ev=${sent}`).expect(200);

      expect(events[0]?.direction).toBe(direction);
    });

    it.each([
      ['Connected', 'connected'],
      ['1', 'connected'],
      ['Missed', 'missed'],
      ['2', 'missed'],
      ['Voicemail', 'voicemail'],
      ['3', 'voicemail'],
    ])('reads the status of log %p as %p', async (sent, status) => {
      const { app, events } = mappingApp({ su: 'status' });

      await request(app).get(`/hook?su=${sent}`).expect(200);

      expect(events[0]?.status).toBe(status);
    });

    it.each([
      ['1', 'incoming_call'],
      ['6', 'user_answered'],
      ['9', 'no_answer'],
      ['8', 'unknown'],
    ])('names the event of call state %p %p', async (state, name) => {
      const { app, events } = mappingApp({ state: 'callState' });

      await request(app).get(`/hook?state=${state}`).expect(200);

      expect([events[0]?.name, events[0]?.callState]).toEqual([name, Number(state)]);
    });

    it('keeps every parameter, mapped or not, in event.params', async () => {
      const { app, events } = mappingApp({ caller_number: 'callerNumber' });

      await request(app).get('/hook?caller_number=%2B919999999999&key=static-key&name=John%20Doe&empty=').expect(200);

      expect(events[0]?.params).toEqual({
        caller_number: '+919999999999',
        key: 'static-key',
        name: 'John Doe',
        empty: '',
      });
    });

    it('lets the dispatcher answer 400 missing_call_event when no mapped parameter is set', async () => {
      const calls = new CallEvents({ logger: false });
      const handled: CallEvent[] = [];
      calls.onAny((event) => {
        handled.push(event);
      });
      const app = createApp([mapQueryParams({ caller_number: 'callerNumber' }), calls.middleware()]);
      const expected = {
        error: { code: 'missing_call_event', message: 'No call event was built from this request' },
      };

      const unmapped = await request(app).get('/hook?other=1');
      const empty = await request(app).get('/hook?caller_number=');
      const bare = await request(app).get('/hook');

      expect([unmapped.status, unmapped.body]).toEqual([400, expected]);
      expect([empty.status, empty.body]).toEqual([400, expected]);
      expect([bare.status, bare.body]).toEqual([400, expected]);
      expect(handled).toEqual([]);
    });
  });

  describe('with a POSTed call log', () => {
    it('lets the log win and fills what the log lacks from the query', async () => {
      const { app, events } = mappingApp(BY_KEY);
      const log = buildInCallLog({ call_state: '6' });

      const response = await request(app)
        .post(`/hook?${ALL_FIELDS_QUERY}`)
        .type('form')
        .send(`myoperator=${JSON.stringify(log)}`);

      expect(response.status).toBe(200);
      expect(queryFields(events[0])).toEqual({
        format: 'incall-v1',
        name: 'user_answered',
        callState: 6,
        caller: { raw: '919711636496', e164: '+919711636496', national: '9711636496', countryCode: '91' },
        createdAt: '2020-08-01T08:35:56.000Z',
        direction: 'outgoing',
        // null in the log: from the query
        status: 'connected',
        uid: 'n2.1596270949.2175190',
        companyId: '5cd40f6554442586',
        // "unknown" in the log: from the query
        serviceNumber: '919999999999',
        // not in the log: from the query
        userPhoneNumber: '9999999999',
        referenceId: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
        clientRefId: 'fdfdfdf',
        publicIvrId: '5ee9a795b318a786',
      });
      expect(events[0]?.params).toEqual(ALL_FIELDS_PARAMS);
      expect(events[0]?.raw).toEqual(log);
    });

    it('gives the event the call state of the query when the log has none', async () => {
      const { app, events } = mappingApp({ state: 'callState' });

      await request(app)
        .post('/hook?state=2')
        .type('json')
        .send(JSON.stringify(buildInCallLog({ call_state: undefined })))
        .expect(200);

      expect([events[0]?.name, events[0]?.callState]).toEqual(['call_finished', 2]);
    });

    it('keeps the params of a log sent with no query string empty', async () => {
      const { app, events } = mappingApp(BY_KEY);

      await request(app).post('/hook').type('json').send(JSON.stringify(buildInCallLog())).expect(200);

      expect(events[0]?.params).toEqual({});
    });
  });

  describe('and req.query', () => {
    it('never assigns nor changes it', async () => {
      const capture = captureEvents();
      // Express 5's getter parses the URL on each read, so the check is on content and descriptor, not identity.
      const seen: Array<{ before: unknown; after: unknown; sameDescriptor: boolean }> = [];
      let before: { copy: unknown; descriptor: PropertyDescriptor | undefined } | null = null;
      const app = express();
      app.all(
        '/hook',
        (req: Request, _res: Response, next: NextFunction) => {
          const value: unknown = req.query;
          before = { copy: structuredClone(value), descriptor: Object.getOwnPropertyDescriptor(req, 'query') };
          next();
        },
        parseMyOperatorBody(),
        mapQueryParams(BY_KEY),
        (req: Request, _res: Response, next: NextFunction) => {
          const after: unknown = req.query;
          const descriptor = Object.getOwnPropertyDescriptor(req, 'query');
          seen.push({
            before: before?.copy,
            after: structuredClone(after),
            sameDescriptor:
              descriptor?.get === before?.descriptor?.get && descriptor?.value === before?.descriptor?.value,
          });
          next();
        },
        capture.handler,
        webhookErrorHandler(),
      );

      await request(app).get(`/hook?${ALL_FIELDS_QUERY}`).expect(200);
      await request(app)
        .post(`/hook?${ALL_FIELDS_QUERY}`)
        .type('form')
        .send(`myoperator=${JSON.stringify(buildInCallLog())}`)
        .expect(200);

      expect(seen).toHaveLength(2);
      for (const entry of seen) {
        expect(entry.after).toEqual(entry.before);
        expect(entry.sameDescriptor).toBe(true);
      }
      expect(capture.events.map((event) => event?.format)).toEqual(['query', 'incall-v1']);
    });

    it('works when assigning req.query throws (read-only, as in Express 5)', async () => {
      const capture = captureEvents();
      const app = express();
      app.all(
        '/hook',
        (req: Request, _res: Response, next: NextFunction) => {
          const frozen: unknown = Object.freeze({ ...req.query });
          Object.defineProperty(req, 'query', {
            configurable: true,
            get: () => frozen,
            set: () => {
              throw new Error('req.query was assigned');
            },
          });
          next();
        },
        mapQueryParams(BY_KEY),
        capture.handler,
        webhookErrorHandler(),
      );

      const response = await request(app).get(`/hook?${ALL_FIELDS_QUERY}`);

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
      expect(capture.events.map(queryFields)).toEqual([ALL_FIELDS_EVENT]);
    });
  });
});
