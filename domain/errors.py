"""The one error a rule raises when an action breaks it."""


class RuleViolation(ValueError):
    """An action refused by a statutory or engine rule.

    ``field`` names the input at fault, so that an API can answer 4xx with
    the field and the reason, and a form can point at the right box.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return self.reason
