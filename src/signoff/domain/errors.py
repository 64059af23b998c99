"""Errors the domain raises. Each carries one message a person can act on."""


class SignoffError(Exception):
    """Base of every error that is the user's input or the state of a sign-off, never a bug."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(SignoffError):
    """A file, a form, an API body, a setting or an argument is not acceptable."""


class CorrectionNeedsNote(InvalidInput):
    """Publishing again is a correction, and says what was corrected: a form says so beside its note."""


class InvalidPeriod(InvalidInput):
    """A period of time given (a delegation's dates) is not acceptable: a form says so beside its dates."""


class NotFound(SignoffError):
    """The thing named does not exist."""


class NotPermitted(SignoffError):
    """This person may not do this to this object."""


class InvalidTransition(SignoffError):
    """The object is not in a state that allows the event."""


class TextChanged(InvalidTransition):
    """The section was revised after the person deciding read it: they read the new text, then decide."""


class AlreadyDecided(SignoffError):
    """A decision was already recorded on this approval request."""


class PlanDoesNotFit(SignoffError):
    """The stage plan cannot finish before the statutory last day."""


class ConcurrencyConflict(SignoffError):
    """Someone else changed the same sign-off at the same moment; the caller may try again."""


class MailServerUnavailable(SignoffError):
    """The SMTP server could not be reached, or refused the login; nothing was sent, nothing was lost."""


class TemplateProblem(SignoffError):
    """A template could not be rendered; the message names the template and its line."""


class PublishedSince(InvalidTransition):
    """The version confirmed was published since (the same form sent twice): nothing is published again."""
