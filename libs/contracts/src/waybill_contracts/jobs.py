"""Background jobs that a person starts and watches: their kinds and states."""

from enum import StrEnum


class JobKind(StrEnum):
    SHIPMENT_IMPORT = "shipment_import"
    REPORT = "report"
    ROUTE_PLAN = "route_plan"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in {JobState.SUCCEEDED, JobState.FAILED}
