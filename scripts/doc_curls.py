"""Runs the curl commands of the doc pages in shared/zoho-docs against a running zoho-emulator
and checks each answer against the page's own sample response.

Usage: python3 scripts/doc_curls.py BASE_URL [DOCS_DIR]

Each command is the page's, verbatim, with the host replaced by BASE_URL and the placeholder
token by the emulator's. The delete answers must equal the samples exactly; upload and list
answers must have the samples' shape (the same keys, the same JSON types; null matches any
type, as the sample's `$link_url: null` does for a link's URL). Prints `N passed, N failed`.
"""

import json
import os
import re
import subprocess
import sys

TOKEN = "1000.emulator0access0token.0000000000000000"
AUTH = "Authorization: Zoho-oauthtoken " + TOKEN


def sample(docs, page):
    """The JSON after 'Sample Response' on a doc page."""
    text = open(os.path.join(docs, page), encoding="utf-8").read()
    after = text[text.index("Sample Response"):]
    start = after.index("{")
    return json.JSONDecoder().raw_decode(after[start:])[0]


def curl(args):
    out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}"] + args, capture_output=True, text=True, check=True)
    body, _, status = out.stdout.rpartition("\n")
    return int(status), (json.loads(body) if body.strip() else None)


def same_shape(expected, actual, path="$"):
    if expected is None or actual is None:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return ["%s: expected an object" % path]
        problems = []
        if set(expected) != set(actual):
            problems.append("%s: keys differ: missing %s, extra %s" % (
                path, sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))))
        for k in set(expected) & set(actual):
            problems += same_shape(expected[k], actual[k], path + "." + k)
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or not actual:
            return ["%s: expected a non-empty array" % path]
        return [p for i, a in enumerate(actual) for p in same_shape(expected[0], a, "%s[%d]" % (path, i))]
    if type(expected) is not type(actual):
        return ["%s: expected %s, got %r" % (path, type(expected).__name__, actual)]
    return []


def main(base, docs):
    results = []

    def check(name, status, got, want, exact):
        problems = [] if status == 200 else ["HTTP %d: %s" % (status, got)]
        if not problems:
            problems = ([] if got == want else ["%s != %s" % (got, want)]) if exact else same_shape(want, got)
        results.append(not problems)
        print(("PASS " if not problems else "FAIL ") + name + ("" if not problems else ": " + "; ".join(problems)))

    workdir = os.path.dirname(os.path.abspath(__file__))
    attachment = os.path.join(workdir, "attachment1.txt")
    with open(attachment, "w") as f:
        f.write("attachment1\n")
    try:
        upload = sample(docs, "crm-v2-upload-attachment.txt")
        # crm-v2-upload-attachment.txt: -F "file=@attachment1.txt" (to upload file)
        s, got = curl([base + "/crm/v2/Leads/1000000231009/Attachments", "-X", "POST", "-H", AUTH, "-F", "file=@" + attachment])
        check("upload a file (crm-v2-upload-attachment)", s, got, upload, False)
        # ... (or) -F "attachmentUrl=https://www.zohocorp.com" (to upload link)
        s, got = curl([base + "/crm/v2/Leads/1000000231009/Attachments", "-X", "POST", "-H", AUTH, "-F", "attachmentUrl=https://www.zohocorp.com"])
        check("upload a link (crm-v2-upload-attachment)", s, got, upload, False)
        # crm-v2-list-attachments.txt
        s, got = curl([base + "/crm/v2/Leads/1000000231009/Attachments", "-X", "GET", "-H", AUTH])
        check("list attachments (crm-v2-list-attachments)", s, got, sample(docs, "crm-v2-list-attachments.txt"), False)
        # crm-v2-delete-attachment.txt
        s, got = curl([base + "/crm/v2/Leads/2883756000000261075/Attachments/2883756000000261017", "-X", "DELETE", "-H", AUTH])
        check("delete an attachment (crm-v2-delete-attachment)", s, got, sample(docs, "crm-v2-delete-attachment.txt"), True)
        # crm-delete-photo.txt
        s, got = curl([base + "/crm/v3/Leads/3000000038009/photo", "-X", "DELETE", "-H", AUTH])
        check("delete a photo (crm-delete-photo)", s, got, sample(docs, "crm-delete-photo.txt"), True)
        # bigin-v1-delete-attachment.txt
        s, got = curl([base + "/bigin/v1/Contacts/2883756000000261075/Attachments/2883756000000261017", "-X", "DELETE", "-H", AUTH])
        check("delete an attachment (bigin-v1-delete-attachment)", s, got, sample(docs, "bigin-v1-delete-attachment.txt"), True)
    finally:
        os.remove(attachment)
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) == 6 else 1


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    default_docs = os.path.join(here, "..", "..", "shared", "zoho-docs")
    sys.exit(main(sys.argv[1].rstrip("/"), sys.argv[2] if len(sys.argv) > 2 else default_docs))
