"""per-member UI state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

The board remembers each member's last pipeline, column and card between runs.
It lives in the database (not a dot-file) because agents share one database
from several machines and accounts.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('user_state',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['team_member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'key')
    )


def downgrade() -> None:
    op.drop_table("user_state")
