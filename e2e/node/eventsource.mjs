// The npm eventsource package reading a streamzip event stream.
// Usage: node eventsource.mjs URL EVENTS PADLEN
import { EventSource } from "eventsource";
import { url, headers, report } from "./common.mjs";

const es = new EventSource(url, {
  // Wrap fetch only to see the response headers; decoding stays Node's.
  fetch: async (input, init) => {
    const res = await fetch(input, init);
    headers(res);
    return res;
  },
});
// The client does not close after the last event: hanging up could beat
// its ack through the Go test's pipe. The server ends the stream once it has
// the last ack, and answers the reconnection with 204, which closes the
// EventSource for good.
es.onmessage = (e) => {
  report(e.lastEventId, e.data);
};
es.onerror = (e) => {
  if (es.readyState === EventSource.CLOSED) {
    es.close();
    return;
  }
  console.error("eventsource error: " + (e.message ?? e.type));
};
