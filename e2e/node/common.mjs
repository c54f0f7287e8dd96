// Shared by the Node clients of streamzip's e2e tests. The Go test reads
// their stdout line by line: "HEADERS <json>" once, "EVENT <k>" as soon as
// event k is decoded (the Go server waits for it before writing k+1),
// "BAD <why>" for an event that did not decode to what was sent.
// On Linux, writes to a pipe are synchronous, so each line reaches the Go
// test before the next event can be written.

export const [url, total, padLen] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

if (!url || !total || !padLen) {
  console.error("usage: node <script> URL EVENTS PADLEN");
  process.exit(2);
}

export function headers(res) {
  console.log("HEADERS " + JSON.stringify({
    status: res.status,
    contentEncoding: res.headers.get("content-encoding") ?? "",
    contentType: res.headers.get("content-type") ?? "",
  }));
}

// report checks one event's id and data and prints its marker; it returns
// the event's number, or -1 if the event is not what the server sent.
export function report(id, data) {
  let d;
  try {
    d = JSON.parse(data);
  } catch (err) {
    console.log("BAD JSON " + err.message);
    return -1;
  }
  if (String(d.k) !== id || typeof d.pad !== "string" || d.pad.length !== padLen) {
    console.log("BAD event id " + id);
    return -1;
  }
  console.log("EVENT " + d.k);
  return d.k;
}
