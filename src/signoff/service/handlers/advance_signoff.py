"""The router's step: close what is finished and open what is next. Running it twice does nothing twice."""

from __future__ import annotations

import logging

from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.retry import retry_on_conflict

log = logging.getLogger(__name__)


def advance_signoff(signoff_id: int, deps: Dependencies) -> list[str]:
    def attempt() -> list[str]:
        with deps.new_unit_of_work() as uow:
            signoff = uow.signoffs.get(signoff_id, for_update=True)
            done = signoff.advance(deps.clock.now())
            if done:
                uow.commit()
                log.info("sign-off #%s advanced: %s", signoff_id, "; ".join(done))
            else:
                log.debug("sign-off #%s: nothing to advance", signoff_id)
            return done

    with about_signoff(signoff_id):
        return retry_on_conflict(attempt)
