#!/usr/bin/env python3
"""Writes agent-log text for the whole-process scrub benchmark: benign lines
from tests/data/benign_log_lines.txt, and 1% of lines carrying a credential
or personal datum built here from prefix + random body (never a committed
secret).  usage: make_scrub_corpus.py OUT MEGABYTES [SEED]"""
import os
import random
import string
import sys

AN = string.ascii_letters + string.digits
B32 = string.ascii_uppercase + "234567"


def rand(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def secret_line(r):
    forms = [
        lambda: "aws key " + "AK" + "IA" + rand(r, B32, 16) + " rejected",
        lambda: "push failed: token " + "gh" + "p_" + rand(r, AN, 36),
        lambda: "slack said invalid_auth for " + "xo" + "xb-" + rand(r, string.digits, 12) + "-" + rand(r, string.digits, 13) + "-" + rand(r, AN, 24),
        lambda: "Authorization: Bearer " + rand(r, AN + "-_", 40),
        lambda: "stripe error for " + "sk_" + "live_" + rand(r, AN, 32),
        lambda: "anthropic 401 for key " + "sk-" + "ant-api03-" + rand(r, AN + "-_", 93) + "AA",
        lambda: "DB_PASSWORD=" + rand(r, AN, 20) + " in .env",
        lambda: "postgres://app:" + rand(r, AN, 16) + "@db.internal:5432/app refused",
        lambda: "mail from " + rand(r, string.ascii_lowercase, 8) + "@example.org bounced",
        lambda: "gitlab token " + "glp" + "at-" + rand(r, AN + "-_", 20) + " expired",
    ]
    return r.choice(forms)()


def main():
    out, mb = sys.argv[1], float(sys.argv[2])
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "tests", "data", "benign_log_lines.txt"), encoding="utf-8") as f:
        benign = [l.rstrip("\n") for l in f if l.strip()]
    target = int(mb * 1024 * 1024)
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        i = 0
        while n < target:
            line = secret_line(r) if i % 100 == 99 else r.choice(benign)
            f.write(line + "\n")
            n += len(line) + 1
            i += 1


if __name__ == "__main__":
    main()
