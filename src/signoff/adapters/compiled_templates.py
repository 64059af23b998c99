"""Compiled Jinja templates kept for the life of the process, shared by every Environment of one kind.

A Jinja Environment compiles each template the first time it renders it. The web app, the email renderer
and the document renderer each build an Environment when their application is built, so a process that
builds several applications (the tests build one per test; a command builds its own) compiled the same
templates again each time: about a tenth of a web request's CPU in the test suite. Jinja's bytecode cache
keys each template by its file and checks its source's checksum on every load, so an edited template is
compiled afresh. One cache per kind of Environment, since their options (autoescaping, whitespace) shape
the compiled code.
"""

from __future__ import annotations

from jinja2.bccache import Bucket, BytecodeCache


class InProcessBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()

    def __len__(self) -> int:
        return len(self._compiled)


WEB_PAGES = InProcessBytecodeCache()
EMAILS = InProcessBytecodeCache()
DOCUMENTS = InProcessBytecodeCache()
