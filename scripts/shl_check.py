"""Follows a SMART Health Link as a viewer would, with implementations independent of Taper:
the link's payload is read from the `shlink:/` (after a viewer's address and `#`, or alone), the
manifest is asked for with the passcode, each file is opened with PyPI jwcrypto's JWE and the
FHIR Bundle inside is validated against the R4 models of PyPI fhir.resources 6.1.

    shl_check.py LINK PASSCODE RECIPIENT [EMBEDDED_LENGTH_MAX]

Prints JSON: {"payload": {...}, "status": manifest status, "body": its JSON when not 200,
"files": [{"cty", "how": "embedded"|"location", "resources": {type: count}}]}. Exits 1 when
something the specification requires does not hold. Used by the tests (scripts/test-deps
installs the packages)."""

import base64
import json
import sys
import urllib.error
import urllib.request

from fhir.resources.bundle import Bundle
from jwcrypto import jwe, jwk


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


link, passcode, recipient = sys.argv[1:4]
if "shlink:/" not in link:
    sys.exit("no shlink:/ in the link")
if "#" in link and not link.split("#", 1)[1].startswith("shlink:/"):
    sys.exit("a viewer's address must be followed by #shlink:/")
payload = json.loads(b64url(link.split("shlink:/", 1)[1]))
if len(payload["key"]) != 43 or "P" not in payload.get("flag", ""):
    sys.exit(f"a 43-character key and the P flag were expected: {payload}")
if len(payload.get("label", "")) > 80:
    sys.exit("label over 80 characters")
body = {"recipient": recipient, "passcode": passcode}
if len(sys.argv) > 4:
    body["embeddedLengthMax"] = int(sys.argv[4])
status, answer = post(payload["url"], body)
out = {"payload": {k: v for k, v in payload.items() if k != "key"}, "status": status}
if status != 200:
    out["body"] = answer
    print(json.dumps(out))
    sys.exit(0)
key = jwk.JWK(kty="oct", k=payload["key"])
files = []
for f in answer["files"]:
    if "embedded" in f:
        text, how = f["embedded"], "embedded"
    else:
        with urllib.request.urlopen(f["location"]) as r:
            text, how = r.read().decode(), "location"
    token = jwe.JWE()
    token.deserialize(text, key=key)
    header = token.jose_header
    if header.get("alg") != "dir" or header.get("enc") != "A256GCM" or header.get("cty") != f["contentType"]:
        sys.exit(f"JWE header not as the specification says: {header}")
    bundle = Bundle.parse_raw(token.payload)
    counts = {}
    for entry in bundle.entry or []:
        counts[entry.resource.resource_type] = counts.get(entry.resource.resource_type, 0) + 1
    files.append({"cty": header["cty"], "how": how, "resources": counts})
out["files"] = files
print(json.dumps(out))
