"""All tables, importable from one place (Alembic's env and the services use this)."""
from .attachment import Attachment
from .base import Base, utcnow
from .complaint import AuditEvent, Complaint, ReporterContact
from .login import LoginFailure
from .monev import MonevDaily, MonevStale, MonevState
from .org import ApiToken, Instansi, Region, Unit, User
from .process import HumanTask, ProcessDefinition, ProcessInstance
from .sla import CalendarOverride, Deadline, EscalationLevel, Notification, Setting, SlaBreach, SlaLimit

__all__ = ["Attachment", "Base", "utcnow", "AuditEvent", "Complaint", "ReporterContact", "ApiToken", "Instansi",
           "Region", "Unit", "User", "HumanTask", "ProcessDefinition", "ProcessInstance", "CalendarOverride",
           "Deadline", "EscalationLevel", "LoginFailure", "MonevDaily", "MonevStale", "MonevState", "Notification", "Setting", "SlaBreach", "SlaLimit"]
