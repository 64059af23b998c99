"""The design signoff does not use, for comparison: a Prefect flow per sign-off that waits for approval
with pause_flow_run (default settings) and emails the next approver when resumed.

Run by bench/decision_latency.py as its own process, as a served deployment's run would be:
`python bench/paused_flow.py 1 SMTP_PORT` (COUNT flows would wait side by side in the one process).
"""

from __future__ import annotations

import asyncio
import smtplib
import sys
from email.message import EmailMessage

from prefect import flow
from prefect.flow_runs import pause_flow_run


def send(port: int, number: int) -> None:
    message = EmailMessage()
    message["From"] = "signoff@localhost"
    message["To"] = f"next.approver.{number}@example.org"
    message["Subject"] = f"Approval needed: sign-off {number}"
    message.set_content("Your turn to approve.")
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(message)


@flow(name="paused-signoff")
async def paused_signoff(number: int, smtp_port: int) -> None:
    await pause_flow_run(timeout=3600)  # type: ignore[misc]
    send(smtp_port, number)


async def main(count: int, smtp_port: int) -> None:
    await asyncio.gather(*(paused_signoff(number, smtp_port) for number in range(count)))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
