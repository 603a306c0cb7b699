"""Judgmental overrides of a run's forecasts, with who, when and why.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "overrides",
        sa.Column("override_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("series", sa.String(200), nullable=False),
        sa.Column("lead", sa.Integer, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_overrides_run", "overrides", ["run_id"])


def downgrade():
    op.drop_index("ix_overrides_run", "overrides")
    op.drop_table("overrides")
