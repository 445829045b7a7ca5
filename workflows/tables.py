"""Every table of every area, imported in one place so ``Base.metadata`` is complete (Alembic's
env, ``Aduan`` and the tests import this). Each model lives in its area's ``models.py``."""
from .accounts.models import ApiToken, User
from .apikeys.models import ApiKey, ApiKeyWindow
from .audit import AuditEvent
from .complaints.models import Attachment, Category, Complaint, KeptUpload, ReporterContact
from .history.models import ImportedComplaint
from .mail.models import OutboxMessage
from .monev.models import MonevChannel, MonevDaily, MonevStale, MonevState, MonevUnrouted
from .notifications.models import Notification
from .open311.models import Open311Request
from .org.models import Instansi, Region, Unit
from .orm import Base, utcnow
from .plans.models import ActionPlan, PlanActivity, PlanTarget
from .processes.models import ProcessDefinition, ProcessDraft, ProcessInstance, ProcessMigration
from .replay.models import ReplayRun
from .routing.models import RoutingRule
from .settings import Setting
from .sla.models import CalendarOverride, Deadline, EscalationLevel, RuleChange, SlaBreach, SlaLimit
from .tasks.models import HumanTask
from .throttle import FailedAttempt
from .webhooks.models import WebhookSubscription

__all__ = ["ActionPlan", "ApiKey", "ApiKeyWindow", "ApiToken", "Open311Request", "WebhookSubscription", "Attachment", "AuditEvent", "Base", "CalendarOverride", "Category", "Complaint", "Deadline",
           "EscalationLevel", "FailedAttempt", "HumanTask", "ImportedComplaint", "Instansi", "KeptUpload", "MonevChannel", "MonevDaily", "MonevStale", "MonevState", "MonevUnrouted",
           "Notification", "OutboxMessage", "PlanActivity", "PlanTarget", "ProcessDefinition", "ProcessDraft", "ProcessInstance", "ProcessMigration", "Region", "ReplayRun", "ReporterContact", "RoutingRule", "RuleChange", "Setting",
           "SlaBreach", "SlaLimit", "Unit", "User", "utcnow"]
