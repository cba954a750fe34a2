import { parseSseBlock } from './sse';

describe('reading the live event stream', () => {
  it('gives the event name and its JSON data', () => {
    expect(parseSseBlock('event: simcard.sold\ndata: {"simcard":{"id":7}}')).toEqual({
      event: 'simcard.sold',
      data: { simcard: { id: 7 } },
    });
  });
  it('joins multi-line data and accepts CRLF line ends', () => {
    expect(parseSseBlock('event: check_run\r\ndata: {"id":1,\r\ndata: "done":5}')).toEqual({
      event: 'check_run',
      data: { id: 1, done: 5 },
    });
  });
  it('ignores keep-alive comments', () => {
    expect(parseSseBlock(': ping')).toBeNull();
  });
});
