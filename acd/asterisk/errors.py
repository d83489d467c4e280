"""The errors of ``acd.asterisk`` (the hierarchy is drawn in the package docstring)."""


class AsteriskError(Exception):
    """Anything ``acd.asterisk`` reports; the message says what to do."""


class AsteriskBuildError(AsteriskError):
    """The Asterisk root could not be built."""


class AsteriskStartError(AsteriskError):
    """Asterisk did not start: root missing, port taken, configuration refused."""


class UnknownAgent(AsteriskError):
    """An agent id that is not in the center's configuration."""


class UnknownTrunk(AsteriskError):
    """A trunk name that is not a registration trunk of the center's configuration."""


class TrunkSecretError(AsteriskError):
    """A registration trunk's password is missing, unreadable or readable by others."""


class AsteriskNotRunning(AsteriskError):
    """A command needs a running Asterisk instance."""


class PromptError(AsteriskError):
    """A prompt could not be synthesised."""
