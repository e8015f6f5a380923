"""site administration and single sign-on: organisation theming and archiving, identity providers and
linked identities

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:50:00

Written by hand; each part is marked with who needs it (issue 14).
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # --- organisations: archive, logo, accent colour ---
    pass
    # --- end organisations ---
    # --- sso: identity providers, linked identities, SSO required ---
    pass
    # --- end sso ---


def downgrade():
    # --- sso ---
    pass
    # --- end sso ---
    # --- organisations ---
    pass
    # --- end organisations ---
