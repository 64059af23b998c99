"""Read the facts of a certificate of completion from its HTML (the embedded JSON) or its JSON file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import ValidationError

from signoff.domain.document import CertificateFacts
from signoff.domain.errors import InvalidInput

_EMBEDDED = re.compile(r'<script type="application/json" id="signoff-certificate">(.*?)</script>', re.DOTALL)


def read_certificate(path: Path) -> CertificateFacts:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"{path}: cannot be read as a certificate (give certificate.html or certificate.json): {error}"
        ) from None
    if path.suffix.lower() in (".html", ".htm"):
        found = _EMBEDDED.search(text)
        if found is None:
            raise InvalidInput(f"{path}: holds no signoff certificate data")
        text = found.group(1)
    try:
        return CertificateFacts.model_validate(json.loads(text))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path}: is not valid JSON (line {error.lineno}: {error.msg})") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{path}: {where}: {first['msg']}") from None
