"""The data model (see docs/architecture.md and ../shared/DESIGN.md)."""

from .accounts import (
    ROLE_VALUES,
    AccountToken,
    IdentityProvider,
    Membership,
    Organisation,
    Role,
    User,
    UserIdentity,
    UserSession,
    user_by_email,
)
from .authoring import EditStash, ModuleDraft
from .cohorts import AuditEvent, Cohort, CohortAssignment, CohortMember, Invitation
from .content import GlossaryTerm, Lesson, Module, ModuleImage, ModuleVersion, Question
from .learning import Certificate, LessonProgress, ModuleCompletion, QuizAttempt, Response
from .notifications import MESSAGE_STATUSES, OutboxMessage
from .practice import AtrsRecord, SelfAssessment, SelfAssessmentAnswer, SelfAssessmentChange, SelfAssessmentMember
from .summaries import CohortAnswerTally, CohortLearnerSummary, LearnerModuleSummary, OrganisationModuleSummary
from .types import UTCDateTime, utc_date, utcnow
from .xapi import ACTOR_CHOICES, STATEMENT_KINDS, STATEMENT_STATUSES, LrsConnection, XapiStatement

__all__ = [
    "MESSAGE_STATUSES",
    "OutboxMessage",
    "ROLE_VALUES",
    "AccountToken",
    "AtrsRecord",
    "AuditEvent",
    "Certificate",
    "EditStash",
    "Cohort",
    "CohortAnswerTally",
    "CohortAssignment",
    "CohortLearnerSummary",
    "CohortMember",
    "GlossaryTerm",
    "IdentityProvider",
    "Invitation",
    "LearnerModuleSummary",
    "Lesson",
    "LrsConnection",
    "LessonProgress",
    "Membership",
    "UserIdentity",
    "Module",
    "ModuleCompletion",
    "ModuleDraft",
    "ModuleImage",
    "ModuleVersion",
    "Organisation",
    "OrganisationModuleSummary",
    "Question",
    "QuizAttempt",
    "Response",
    "SelfAssessment",
    "SelfAssessmentAnswer",
    "SelfAssessmentChange",
    "SelfAssessmentMember",
    "Role",
    "UTCDateTime",
    "User",
    "UserSession",
    "XapiStatement",
    "ACTOR_CHOICES",
    "STATEMENT_KINDS",
    "STATEMENT_STATUSES",
    "user_by_email",
    "utc_date",
    "utcnow",
]
