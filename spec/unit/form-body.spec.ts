// Finding the call log in a form body: properly URL-encoded, or raw JSON as `curl -d` sends it.

import { decodeFormComponent, formFieldCandidates } from '../../lib/pipeline/form-body';
import { IN_CALL_LOG } from '../../lib/testing';

const LOG_JSON = JSON.stringify({ ...IN_CALL_LOG, clid: '+919711636496' });

/** The first candidate that parses, as parseMyOperatorBody() reads it. */
function firstParsed(candidates: readonly string[]): unknown {
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

describe('decodeFormComponent()', () => {
  describe('with an encoded value', () => {
    it('decodes percent sequences and + as a space', () => {
      expect(decodeFormComponent('%7B%22a%22%3A%22%2B91%20x%22%7D+y')).toBe('{"a":"+91 x"} y');
    });

    it('decodes multi-byte UTF-8', () => {
      expect(decodeFormComponent('%E0%A4%A8%E0%A4%AE')).toBe('नम');
    });
  });

  describe('with bad % sequences', () => {
    it('keeps them as they are', () => {
      expect([decodeFormComponent('100%'), decodeFormComponent('50%zz'), decodeFormComponent('%%41')]).toEqual([
        '100%',
        '50%zz',
        '%A',
      ]);
    });

    it('still decodes the good sequences around them', () => {
      expect(decodeFormComponent('%zz%20a+b%2B')).toBe('%zz a b+');
    });
  });

  describe('with nothing to decode', () => {
    it('returns the value unchanged', () => {
      expect(decodeFormComponent('plain-text')).toBe('plain-text');
    });
  });
});

describe('formFieldCandidates()', () => {
  describe('with the field URL-encoded', () => {
    it('gives the decoded JSON', () => {
      const candidates = formFieldCandidates(`myoperator=${encodeURIComponent(LOG_JSON)}`, 'myoperator');
      expect(candidates).toEqual([LOG_JSON]);
      expect(firstParsed(candidates)).toEqual(JSON.parse(LOG_JSON));
    });

    it('stops at the next field', () => {
      expect(formFieldCandidates(`myoperator=${encodeURIComponent('{"a":1}')}&b=2`, 'myoperator')).toEqual(['{"a":1}']);
    });

    it('gives an empty candidate for an empty field', () => {
      expect(formFieldCandidates('myoperator=&b=2', 'myoperator')).toEqual(['']);
    });
  });

  describe('with raw JSON (curl -d)', () => {
    it('keeps the + of +91 as the first candidate', () => {
      const candidates = formFieldCandidates(`myoperator=${LOG_JSON}`, 'myoperator');
      expect(candidates[0]).toBe(LOG_JSON);
      expect(firstParsed(candidates)).toMatchObject({ clid: '+919711636496' });
    });

    it('offers the decoded text as the second candidate', () => {
      expect(formFieldCandidates('myoperator={"a":"%41"}', 'myoperator')).toEqual(['{"a":"%41"}', '{"a":"A"}']);
    });

    it('reads past an & inside the JSON', () => {
      const candidates = formFieldCandidates('myoperator={"note":"a&b=c","n":1}&after=1', 'myoperator');
      expect(candidates[0]).toBe('{"note":"a&b=c","n":1}');
    });

    it('is not fooled by braces and escaped quotes inside strings', () => {
      const json = '{"a":"}\\"}&","b":{"c":[1,{"d":"]"}]}}';
      expect(firstParsed(formFieldCandidates(`myoperator=${json}&z=9`, 'myoperator'))).toEqual(JSON.parse(json));
    });

    it('keeps a % in the raw JSON as it is', () => {
      const candidates = formFieldCandidates('myoperator={"note":"50% off"}', 'myoperator');
      expect(firstParsed(candidates)).toEqual({ note: '50% off' });
    });

    it('skips blanks before the JSON', () => {
      expect(formFieldCandidates('myoperator= \n{"a":1}', 'myoperator')[0]).toBe('{"a":1}');
    });

    it('reads a JSON array the same way', () => {
      expect(formFieldCandidates('myoperator=[{"a":1}]&b=2', 'myoperator')[0]).toBe('[{"a":1}]');
    });
  });

  describe('with other fields before and after', () => {
    it('finds the field after others', () => {
      expect(formFieldCandidates('x=1&y=%7B&myoperator={"a":"+1"}&z=2', 'myoperator')[0]).toBe('{"a":"+1"}');
    });

    it('finds an encoded field between others', () => {
      expect(formFieldCandidates(`x=1&myoperator=${encodeURIComponent('{"a":"+1"}')}&z=2`, 'myoperator')).toEqual([
        '{"a":"+1"}',
      ]);
    });

    it('does not take a field whose name only ends with the field name', () => {
      expect(formFieldCandidates('notmyoperator={"a":1}', 'myoperator')).toEqual([]);
    });

    it('takes the real field when a longer name comes first', () => {
      expect(formFieldCandidates('xmyoperator=1&myoperator={"a":2}', 'myoperator')[0]).toBe('{"a":2}');
    });
  });

  describe('with another field name', () => {
    it('reads that field', () => {
      expect(formFieldCandidates('myoperator=1&log={"a":1}', 'log')[0]).toBe('{"a":1}');
    });
  });

  describe('without the field', () => {
    it('gives no candidate', () => {
      expect([formFieldCandidates('', 'myoperator'), formFieldCandidates('a=1&b=2', 'myoperator')]).toEqual([[], []]);
    });
  });
});
