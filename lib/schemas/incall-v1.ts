// The in-call call log with long keys (MyOperator's in-call webhook documentation). Unknown keys are tolerated.

import { scalar, scalarList } from './common';

/** Keys only the in-call log carries; any one of them identifies the format. */
export const IN_CALL_KEYS = [
  'uid',
  'call_state',
  'clid',
  'clid_raw',
  'company_id',
  'rdnis',
  'reference_id',
  'call_time',
  'public_ivr_id',
  'client_ref_id',
] as const;

/** The in-call log as it may arrive. */
export interface InCallLog {
  id?: string | number | null;
  uid?: string | number | null;
  reference_id?: string | number | null;
  company_id?: string | number | null;
  clid_raw?: string | number | null;
  clid?: string | number | null;
  rdnis?: string | number | null;
  call_state?: string | number | null;
  event?: string | number | null;
  status?: string | number | null;
  users?: Array<string | number | null> | string | null;
  created?: string | number | null;
  call_time?: string | number | null;
  public_ivr_id?: string | number | null;
  client_ref_id?: string | number | null;
  job_id?: string | number | null;
  [key: string]: unknown;
}

export const inCallV1Schema = {
  $id: 'myoperator-incall-v1',
  type: 'object',
  properties: {
    id: scalar,
    uid: scalar,
    reference_id: scalar,
    company_id: scalar,
    clid_raw: scalar,
    clid: scalar,
    rdnis: scalar,
    call_state: scalar,
    event: scalar,
    status: scalar,
    users: scalarList,
    created: scalar,
    call_time: scalar,
    public_ivr_id: scalar,
    client_ref_id: scalar,
    job_id: scalar,
  },
} as const;
