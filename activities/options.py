"""How workflows call activities: one timeout and retry policy for all of them."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# a record or an alert takes well under a second; a worker that died holding one is
# noticed after this long and the activity retried elsewhere (idempotently)
ACTIVITY_TIMEOUT = timedelta(seconds=10)
# retried until it succeeds: a record or an alert is never dropped, only delayed
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
# a first try that is not retried: what it leaves undone goes to an ordinary activity, retried as above
FIRST_TRY_TIMEOUT = timedelta(seconds=10)
FIRST_TRY_ONLY = RetryPolicy(maximum_attempts=1)
