"""Runs with their forecasts, models and tables; actuals with revisions.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("freq", sa.String(8), nullable=False),
        sa.Column("freq_anchor", sa.Integer, nullable=False),
        sa.Column("train_end", sa.String(32), nullable=False),
        sa.Column("horizon", sa.Integer, nullable=False),
        sa.Column("strategy", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "run_series",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("series", sa.String(200), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),  # the series' place in the issued table
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("window", sa.Integer),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("members", sa.Text, nullable=False),
    )
    op.create_table(
        "forecasts",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("series", sa.String(200), primary_key=True),
        sa.Column("lead", sa.Integer, primary_key=True),
        sa.Column("date", sa.String(32), nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("mean", sa.Double, nullable=False),
    )
    op.create_table(
        "intervals",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("series", sa.String(200), primary_key=True),
        sa.Column("lead", sa.Integer, primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True),
        sa.Column("lower", sa.Double, nullable=False),
        sa.Column("upper", sa.Double, nullable=False),
    )
    op.create_table(
        "run_tables",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "actuals",
        sa.Column("actual_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("series", sa.String(200), nullable=False),
        sa.Column("freq", sa.String(8), nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("date", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("loaded", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.UniqueConstraint("series", "freq", "period_start", "revision", name="uq_actuals_revision"),
    )


def downgrade():
    for table in ("actuals", "run_tables", "intervals", "forecasts", "run_series", "runs"):
        op.drop_table(table)
