#!/usr/bin/env python3
"""telguard report in a real browser.

Builds a report from the bundled example session plus events carrying planted
values (built here at run time), then renders it in headless Chromium and
checks the rendered DOM: the summary cards, the charts (inline SVG) and the
tables show the counts computed independently from the audit records, and no
planted value is anywhere on the page. The page must make no request: the
DevTools protocol reports every request the page issues (none allowed), and a
control page with one external image proves such a request is seen. All the
browser's own traffic goes to a proxy on 127.0.0.1 started here, which
answers 404 and forwards nothing. A second report with --local-diff shows the
raw values under its banner.

usage: report_browser_test.py TELGUARD_BIN SOURCE_DIR
"""
import collections
import html.parser
import json
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import zlib

TELGUARD, SRC = sys.argv[1], sys.argv[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what)


class Proxy:
    """Counts every connection made to it and answers 404 without forwarding."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"(no request line)"
                self.requests.append(first.decode("latin-1"))
                try:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3
    and 4, NUL-separated JSON): no port, no extra library. Browser-level
    traffic (its own update and time checks) goes to the local proxy and no
    further; what the page requests is read from the page's Network events."""

    def __init__(self, proxy, work):
        profile = tempfile.mkdtemp(dir=work)
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--user-data-dir=" + profile, "--remote-debugging-pipe",
               "--proxy-server=http://127.0.0.1:%d" % proxy.port, "--proxy-bypass-list=<-loopback>", "about:blank"]
        self.proc = subprocess.Popen(cmd, preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf, self.next_id, self.events = b"", 0, []

    def _read(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_for(self, method, session, timeout=60):
        deadline = time.time() + timeout
        while True:
            for m in self.events:
                if m.get("method") == method and m.get("sessionId") == session:
                    return
            self.events.append(self._read(deadline))

    def render(self, page):
        """(DOM after load, URLs the page requested besides itself)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Network.enable", session=session)
        self.call("Page.enable", session=session)
        self.events = []
        url = "file://" + page
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        time.sleep(0.5)  # anything a late element would fetch
        dom = self.call("Runtime.evaluate", {"expression": "document.documentElement.outerHTML",
                                             "returnByValue": True}, session=session)["result"]["value"]
        requested = [m["params"]["request"]["url"] for m in self.events
                     if m.get("sessionId") == session and m.get("method") == "Network.requestWillBeSent"
                     and m["params"]["request"]["url"] != url]
        self.call("Target.closeTarget", {"targetId": target})
        return "<!DOCTYPE html>" + dom, requested

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:  # already gone: nothing to close
            pass
        self.proc.wait(timeout=30)
        os.close(self.to_chrome)
        os.close(self.from_chrome)


class Dom(html.parser.HTMLParser):
    """Elements with their attributes, and the text inside each element id."""

    def __init__(self, text):
        super().__init__()
        self.elements = []  # (tag, attrs, ancestor ids)
        self.stack = []
        self.text = collections.defaultdict(str)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        ids = [x[1].get("id") for x in self.stack if x[1].get("id")]
        self.elements.append((tag, a, ids))
        if tag not in ("meta", "br", "hr", "rect", "line", "img", "link", "input"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if all(t != tag for t, _ in self.stack):
            return  # the end of an element not kept on the stack (rect, meta...)
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, a in self.stack:
            if a.get("id"):
                self.text[a["id"]] += data

    def bars(self, svg_id):
        return {a["data-label"]: a for t, a, ids in self.elements
                if svg_id in ids and t == "g" and "data-label" in a}

    def rows(self, table_id):
        """The table's body rows as lists of cell texts (parsed again, simply)."""
        return TableRows(self.raw, table_id).rows


class TableRows(html.parser.HTMLParser):
    def __init__(self, text, table_id):
        super().__init__()
        self.table_id, self.inside, self.in_body, self.rows, self.cell = table_id, False, False, [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = self.in_body = False
        elif self.in_body and tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def parse(text):
    d = Dom(text)
    d.raw = text
    return d


def planted():
    """Values a report must never show: a token-shaped credential, an e-mail
    address, a home path and a private note, built at run time."""
    rnd = random.Random(7)
    alphabet = string.digits + string.ascii_uppercase + string.ascii_lowercase
    body = "".join(rnd.choice(alphabet) for _ in range(30))
    crc, check6 = zlib.crc32(body.encode()), ""
    for _ in range(6):  # GitHub's checksum: CRC32 of the random part, base62
        check6 = alphabet[crc % 62] + check6
        crc //= 62
    token = "gh" + "p_" + body + check6
    mail = "canary.%d@example.org" % rnd.randrange(10**6)
    user = "canaryuser%d" % rnd.randrange(10**6)
    note = "canary-note-%d" % rnd.randrange(10**6)
    return token, mail, user, note


def event(i, error, extra=None):
    props = {"action": "call", "session_id": "s-browser", "agent_name": "root", "tool_name": "shell",
             "duration_ms": 5, "is_success": False, "error": error}
    props.update(extra or {})
    return json.dumps({"event": "tool", "event_timestamp": 1764021700000 + i * 61000, "source": "agentcli",
                       "properties": props})


def main():
    check(CHROMIUM is not None, "chromium is installed (scripts/setup.sh installs it)")
    if CHROMIUM is None:
        return
    work = tempfile.mkdtemp(prefix="telguard-report-")
    try:
        token, mail, user, note = planted()
        lines = open(os.path.join(SRC, "examples", "session.jsonl")).read().splitlines()
        lines.append(event(1, "push failed: token " + token + " rejected"))
        lines.append(event(2, "mail " + mail + " bounced", {"private_note": note}))
        lines.append(event(3, "open /home/" + user + "/x: denied"))
        lines.append('{"event":"tool","properties":"' + note + '"}')  # rejected
        events = os.path.join(work, "events.jsonl")
        open(events, "w").write("\n".join(lines) + "\n")
        page, audit = os.path.join(work, "report.html"), os.path.join(work, "audit.jsonl")
        r = subprocess.run([TELGUARD, "report", "--input", events, "--audit", audit, "--output", page],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "telguard report exit %d: %s" % (r.returncode, r.stderr))
        records = [json.loads(x) for x in open(audit) if x.strip()]

        # What the page must show, computed from the audit records.
        verdicts = collections.Counter(x["verdict"] for x in records)
        kinds = collections.defaultdict(collections.Counter)
        rules, stripped = collections.Counter(), collections.Counter()
        for x in records:
            kinds[x["event"] or "(unreadable)"][x["verdict"]] += 1
            for red in x["redactions"]:
                rules[red["rule"]] += red["count"]
            for p in x["stripped"]:
                stripped[p] += 1
        check(rules.get("github-pat", 0) >= 1 and rules.get("email", 0) >= 2, "the planted values were redacted")

        raw = open(page, encoding="utf-8").read()
        for value in (token, mail, user, note, "alice", "correct-horse", "203.0.113.7"):
            check(value not in raw, "value-free: %r... is not in the page" % value[:6])
        check("<script" not in raw.lower(), "no script element")

        proxy = Proxy()
        browser = Browser(proxy, work)
        text, requested = browser.render(page)
        dom = parse(text)
        check(requested == [], "no request left the page (it asked for %s)" % requested)
        metas = [a for t, a, _ in dom.elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        check(metas and "default-src 'none'" in metas[0].get("content", ""), "CSP default-src 'none'")
        for tag, a, _ in dom.elements:
            for attr in ("src", "href", "srcset", "action"):
                check(attr not in a, "no %s attribute on <%s>" % (attr, tag))
        check("value-free" in dom.text and "raw-values-banner" not in dom.text, "value-free note, no raw banner")

        cards = {a["id"]: int(a["data-value"]) for t, a, _ in dom.elements if a.get("class") == "card"}
        check(cards.get("card-events") == len(records), "card events %s == %d" % (cards.get("card-events"), len(records)))
        for v in ("sent", "rejected", "dropped"):
            check(cards.get("card-" + v) == verdicts[v], "card %s %s == %d" % (v, cards.get("card-" + v), verdicts[v]))

        bars = dom.bars("chart-rules")
        check(bars.keys() == rules.keys() or len(bars) == 25, "chart-rules has a bar per rule: %s" % sorted(bars))
        for rule, n in rules.items():
            if rule in bars:
                check(int(bars[rule]["data-value"]) == n, "chart-rules %s = %s, audit says %d" %
                      (rule, bars[rule]["data-value"], n))
        rows = {row[0]: row for row in dom.rows("t-rules")}
        for rule, n in rules.items():
            check(rule in rows and int(rows[rule][2]) == n, "t-rules %s matches %d" % (rule, n))
        check(rows.get("github-pat", [None, None])[1] == "credential", "t-rules names github-pat's class")

        kbars = dom.bars("chart-kinds")
        for kind, c in kinds.items():
            b = kbars.get(kind)
            check(b is not None and all(int(b["data-" + v]) == c[v] for v in ("sent", "rejected", "dropped")),
                  "chart-kinds %s = %s" % (kind, dict(c)))
        krows = {row[0]: row for row in dom.rows("t-kinds")}
        for kind, c in kinds.items():
            check(kind in krows and [int(x) for x in krows[kind][1:4]] == [c["sent"], c["rejected"], c["dropped"]],
                  "t-kinds %s" % kind)

        sbars = dom.bars("chart-removed")
        for p, n in stripped.items():
            check(p in sbars and int(sbars[p]["data-value"]) == n, "chart-removed %s = %d" % (p, n))
        check(len(dom.bars("chart-fields")) > 0, "chart-fields has bars")
        rejected_rows = dom.rows("t-rejected")
        check(len(rejected_rows) == verdicts["rejected"] + verdicts["dropped"], "t-rejected lists every one")
        check(any(r and r[0] == str(len(lines)) for r in rejected_rows), "t-rejected names the last line")

        buckets = dom.bars("chart-timeline")
        total = sum(int(a["data-sent"]) + int(a["data-rejected"]) + int(a["data-dropped"]) for a in buckets.values())
        check(len(buckets) >= 2 and total == len(records), "timeline: %d buckets hold %d of %d events" %
              (len(buckets), total, len(records)))

        # --local-diff: raw values, under a banner.
        diff_page = os.path.join(work, "diff.html")
        r = subprocess.run([TELGUARD, "report", "--input", events, "--output", diff_page, "--local-diff"],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "report --local-diff exit %d" % r.returncode)
        text, requested = browser.render(diff_page)
        ddom = parse(text)
        check("raw-values-banner" in ddom.text and "RAW VALUES" in ddom.text["raw-values-banner"], "raw-value banner")
        check(token in ddom.text["t-diff"] and mail in ddom.text["t-diff"], "the diff shows the values before")
        check("value-free" not in ddom.text, "no value-free claim on a page with raw values")
        check(requested == [], "no request left the diff page (it asked for %s)" % requested)

        # Control: the proxy sees a page's request, so "none" above means none.
        control = os.path.join(work, "control.html")
        open(control, "w").write('<!DOCTYPE html><html><body><img src="http://report-test.invalid/x.png"></body></html>')
        _, requested = browser.render(control)
        check(requested == ["http://report-test.invalid/x.png"], "control: the page's request is seen: %s" % requested)
        browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
if FAILURES:
    print("%d check(s) failed" % len(FAILURES))
    sys.exit(1)
print("ok: the report rendered in Chromium with the expected counts, no value, no request")
