// Node's built-in fetch reading a streamzip event stream from the body
// stream, splitting events at blank lines as they are decoded.
// Usage: node fetch.mjs URL EVENTS PADLEN
import { url, total, headers, report } from "./common.mjs";

const res = await fetch(url, { headers: { accept: "text/event-stream" } });
headers(res);
const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
let buf = "";
let seen = 0;
while (seen < total) {
  const { value, done } = await reader.read();
  if (done) {
    console.error(`stream ended after ${seen} events`);
    process.exit(1);
  }
  buf += value; // the test server ends lines with LF only
  let end;
  while ((end = buf.indexOf("\n\n")) >= 0 && seen < total) {
    const block = buf.slice(0, end);
    buf = buf.slice(end + 2);
    let id = "";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("id:")) id = line.slice(3).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    report(id, data.join("\n"));
    seen++;
  }
}
// Read on to the end: the server ends the stream once it has the last ack.
// Hanging up here could beat that ack through the Go test's pipe.
while (!(await reader.read()).done);
