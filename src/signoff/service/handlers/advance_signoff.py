"""The router's step: close what is finished and open what is next. Running it twice does nothing twice."""

from __future__ import annotations

from signoff.service.dependencies import Dependencies
from signoff.service.retry import retry_on_conflict


def advance_signoff(signoff_id: int, deps: Dependencies) -> list[str]:
    def attempt() -> list[str]:
        with deps.new_unit_of_work() as uow:
            signoff = uow.signoffs.get(signoff_id, for_update=True)
            done = signoff.advance(deps.clock.now())
            if done:
                uow.commit()
            return done

    return retry_on_conflict(attempt)
