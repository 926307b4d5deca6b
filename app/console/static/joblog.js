// The job page's live tail: follows the job's log over Server-Sent Events and appends each
// batch; when the job stops running the page reloads to show its stored output and status.
(function () {
  "use strict";
  const pre = document.getElementById("job-log");
  const state = document.getElementById("job-live");
  if (!pre || !pre.dataset.follow) return;
  let after = 0;

  function append(batch) {
    if (batch.seq <= after) return; // a resent batch after a reconnect
    if (after === 0) pre.textContent = "";
    after = batch.seq;
    const span = document.createElement("span");
    span.className = "log-" + batch.stream;
    span.textContent = batch.text;
    pre.appendChild(span);
    pre.dataset.seq = String(after);
  }

  function follow() {
    const source = new EventSource(pre.dataset.follow + "?after=" + after);
    source.addEventListener("log", (event) => append(JSON.parse(event.data)));
    source.addEventListener("end", (event) => {
      source.close();
      const end = JSON.parse(event.data);
      if (end.timeout) {
        follow(); // the server's time cap, not the job's end
        return;
      }
      state.textContent = "The job is " + end.status + ": loading its output.";
      window.location.reload();
    });
    // EventSource reconnects by itself, naming the last batch it saw (Last-Event-ID).
    source.onerror = () => {
      state.textContent = "Live: reconnecting.";
    };
    source.onopen = () => {
      state.textContent = "Live: output appears as the job prints it.";
    };
  }

  follow();
})();
