"""certification: jury, certificates, civil identity, SI CPF

Revision ID: 612138609b45
Revises: a20f5e7c1d93
Create Date: 2026-12-04 02:05:17.969066

"""
from alembic import op
import sqlalchemy as sa

import quiz.timeutil


# Decisions, certificates and revocations are append-only, a closed jury session frozen, below
# the ORM too (copied from quiz.certification.models when this revision was written).
IMMUTABLE = {'postgresql': ('CREATE OR REPLACE FUNCTION quiz_certification_append_only() RETURNS trigger AS $$\n'
                'BEGIN\n'
                '    RAISE EXCEPTION USING\n'
                "        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',\n"
                "        ERRCODE = 'integrity_constraint_violation';\n"
                'END;\n'
                '$$ LANGUAGE plpgsql',
                'CREATE OR REPLACE FUNCTION quiz_jury_session_closed() RETURNS trigger AS $$\n'
                'BEGIN\n'
                '    IF OLD.closed_at IS NOT NULL THEN\n'
                '        RAISE EXCEPTION USING\n'
                "            MESSAGE = 'jury session ' || OLD.id || ' is closed: ' || TG_OP || ' refused',\n"
                "            ERRCODE = 'integrity_constraint_violation';\n"
                '    END IF;\n'
                "    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
                '    RETURN NEW;\n'
                'END;\n'
                '$$ LANGUAGE plpgsql',
                'CREATE OR REPLACE FUNCTION quiz_jury_decision_open() RETURNS trigger AS $$\n'
                'BEGIN\n'
                '    IF EXISTS (SELECT 1 FROM jury_sessions WHERE id = NEW.session_id AND closed_at IS NOT '
                'NULL) THEN\n'
                '        RAISE EXCEPTION USING\n'
                "            MESSAGE = 'jury session ' || NEW.session_id || ' is closed: no new decision',\n"
                "            ERRCODE = 'integrity_constraint_violation';\n"
                '    END IF;\n'
                '    RETURN NEW;\n'
                'END;\n'
                '$$ LANGUAGE plpgsql',
                'CREATE TRIGGER jury_decisions_append_only BEFORE UPDATE OR DELETE ON jury_decisions FOR '
                'EACH ROW EXECUTE FUNCTION quiz_certification_append_only()',
                'CREATE TRIGGER jury_decisions_open BEFORE INSERT ON jury_decisions FOR EACH ROW EXECUTE '
                'FUNCTION quiz_jury_decision_open()',
                'CREATE TRIGGER certificates_append_only BEFORE UPDATE OR DELETE ON certificates FOR EACH '
                'ROW EXECUTE FUNCTION quiz_certification_append_only()',
                'CREATE TRIGGER certificate_revocations_append_only BEFORE UPDATE OR DELETE ON '
                'certificate_revocations FOR EACH ROW EXECUTE FUNCTION quiz_certification_append_only()',
                'CREATE TRIGGER jury_sessions_closed BEFORE UPDATE OR DELETE ON jury_sessions FOR EACH ROW '
                'EXECUTE FUNCTION quiz_jury_session_closed()'),
 'sqlite': ('CREATE TRIGGER jury_decisions_no_update BEFORE UPDATE ON jury_decisions BEGIN SELECT '
            "RAISE(ABORT, 'jury_decisions is append-only: UPDATE refused'); END",
            'CREATE TRIGGER jury_decisions_no_delete BEFORE DELETE ON jury_decisions BEGIN SELECT '
            "RAISE(ABORT, 'jury_decisions is append-only: DELETE refused'); END",
            'CREATE TRIGGER jury_decisions_open BEFORE INSERT ON jury_decisions WHEN (SELECT closed_at FROM '
            "jury_sessions WHERE id = NEW.session_id) IS NOT NULL BEGIN SELECT RAISE(ABORT, 'jury session is "
            "closed: no new decision'); END",
            'CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates BEGIN SELECT RAISE(ABORT, '
            "'certificates is append-only: UPDATE refused'); END",
            'CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates BEGIN SELECT RAISE(ABORT, '
            "'certificates is append-only: DELETE refused'); END",
            'CREATE TRIGGER certificate_revocations_no_update BEFORE UPDATE ON certificate_revocations BEGIN '
            "SELECT RAISE(ABORT, 'certificate_revocations is append-only: UPDATE refused'); END",
            'CREATE TRIGGER certificate_revocations_no_delete BEFORE DELETE ON certificate_revocations BEGIN '
            "SELECT RAISE(ABORT, 'certificate_revocations is append-only: DELETE refused'); END",
            'CREATE TRIGGER jury_sessions_closed_update BEFORE UPDATE ON jury_sessions WHEN OLD.closed_at IS '
            "NOT NULL BEGIN SELECT RAISE(ABORT, 'jury session is closed: UPDATE refused'); END",
            'CREATE TRIGGER jury_sessions_closed_delete BEFORE DELETE ON jury_sessions WHEN OLD.closed_at IS '
            "NOT NULL BEGIN SELECT RAISE(ABORT, 'jury session is closed: DELETE refused'); END")}

DROP_IMMUTABLE = {'postgresql': ('DROP TRIGGER IF EXISTS jury_decisions_append_only ON jury_decisions',
                'DROP TRIGGER IF EXISTS jury_decisions_open ON jury_decisions',
                'DROP TRIGGER IF EXISTS certificates_append_only ON certificates',
                'DROP TRIGGER IF EXISTS certificate_revocations_append_only ON certificate_revocations',
                'DROP TRIGGER IF EXISTS jury_sessions_closed ON jury_sessions',
                'DROP FUNCTION IF EXISTS quiz_certification_append_only()',
                'DROP FUNCTION IF EXISTS quiz_jury_session_closed()',
                'DROP FUNCTION IF EXISTS quiz_jury_decision_open()'),
 'sqlite': ('DROP TRIGGER IF EXISTS jury_decisions_no_update',
            'DROP TRIGGER IF EXISTS jury_decisions_no_delete',
            'DROP TRIGGER IF EXISTS jury_decisions_open',
            'DROP TRIGGER IF EXISTS certificates_no_update',
            'DROP TRIGGER IF EXISTS certificates_no_delete',
            'DROP TRIGGER IF EXISTS certificate_revocations_no_update',
            'DROP TRIGGER IF EXISTS certificate_revocations_no_delete',
            'DROP TRIGGER IF EXISTS jury_sessions_closed_update',
            'DROP TRIGGER IF EXISTS jury_sessions_closed_delete')}


# revision identifiers, used by Alembic.
revision = '612138609b45'
down_revision = 'a20f5e7c1d93'
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('certifier_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('rncp_code', sa.String(length=12), nullable=False),
    sa.Column('certification_code', sa.String(length=20), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_quality', sa.String(length=200), nullable=False),
    sa.Column('cpf_id_client', sa.String(length=8), nullable=False),
    sa.Column('cpf_id_contrat', sa.String(length=20), nullable=False),
    sa.Column('cpf_access_mode', sa.String(length=60), nullable=False),
    sa.Column('public_base_url', sa.String(length=200), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_type', sa.String(length=40), nullable=True),
    sa.Column('retention', sa.JSON(), nullable=False),
    sa.Column('updated_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifier_settings'))
    )
    op.create_table('request_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_hits'))
    )
    with op.batch_alter_table('request_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_hits_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_hits_key'), ['key'], unique=False)

    op.create_table('civil_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_civil_identities_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_civil_identities')),
    sa.UniqueConstraint('user_id', name=op.f('uq_civil_identities_user_id'))
    )
    op.create_table('cpf_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flux_id', sa.String(length=50), nullable=False),
    sa.Column('created_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledgement', sa.String(length=120), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cpf_submissions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpf_submissions')),
    sa.UniqueConstraint('flux_id', name=op.f('uq_cpf_submissions_flux_id'))
    )
    op.create_table('jury_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_jury_sessions_closed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jury_sessions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_sessions'))
    )
    op.create_table('jury_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_jury_candidates_candidate_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['jury_sessions.id'], name=op.f('fk_jury_candidates_session_id_jury_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_candidates')),
    sa.UniqueConstraint('session_id', 'candidate_id', name='uq_jury_candidates_session_candidate')
    )
    with op.batch_alter_table('jury_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jury_candidates_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jury_candidates_session_id'), ['session_id'], unique=False)

    op.create_table('jury_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('blocs', sa.JSON(), nullable=False),
    sa.Column('proposal', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('title', 'blocs', 'none')", name=op.f('ck_jury_decisions_outcome')),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_jury_decisions_candidate_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_jury_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['jury_sessions.id'], name=op.f('fk_jury_decisions_session_id_jury_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_decisions'))
    )
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jury_decisions_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jury_decisions_session_id'), ['session_id'], unique=False)

    op.create_table('jury_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quality', sa.String(length=200), nullable=False),
    sa.Column('president', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['jury_sessions.id'], name=op.f('fk_jury_members_session_id_jury_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_members'))
    )
    with op.batch_alter_table('jury_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jury_members_session_id'), ['session_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('verification_code', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('holder_name', sa.String(length=250), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('blocs', sa.JSON(), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('issued_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('title', 'blocs')", name=op.f('ck_certificates_kind')),
    sa.ForeignKeyConstraint(['decision_id'], ['jury_decisions.id'], name=op.f('fk_certificates_decision_id_jury_decisions')),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_certificates_holder_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['jury_sessions.id'], name=op.f('fk_certificates_session_id_jury_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_certificates_verification_code'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_session_id'), ['session_id'], unique=False)

    op.create_table('certificate_revocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_revocations_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificate_revocations_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_revocations')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_certificate_revocations_certificate_id'))
    )
    op.create_table('cpf_submission_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_cpf_submission_items_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['submission_id'], ['cpf_submissions.id'], name=op.f('fk_cpf_submission_items_submission_id_cpf_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpf_submission_items')),
    sa.UniqueConstraint('submission_id', 'certificate_id', name='uq_cpf_submission_items_pair')
    )
    with op.batch_alter_table('cpf_submission_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpf_submission_items_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpf_submission_items_submission_id'), ['submission_id'], unique=False)

    # ### end Alembic commands ###

    for sql in IMMUTABLE[op.get_bind().dialect.name]:
        op.execute(sql)


def downgrade():
    for sql in DROP_IMMUTABLE[op.get_bind().dialect.name]:
        op.execute(sql)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('cpf_submission_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpf_submission_items_submission_id'))
        batch_op.drop_index(batch_op.f('ix_cpf_submission_items_certificate_id'))

    op.drop_table('cpf_submission_items')
    op.drop_table('certificate_revocations')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_session_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_holder_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('jury_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jury_members_session_id'))

    op.drop_table('jury_members')
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jury_decisions_session_id'))
        batch_op.drop_index(batch_op.f('ix_jury_decisions_candidate_id'))

    op.drop_table('jury_decisions')
    with op.batch_alter_table('jury_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jury_candidates_session_id'))
        batch_op.drop_index(batch_op.f('ix_jury_candidates_candidate_id'))

    op.drop_table('jury_candidates')
    op.drop_table('jury_sessions')
    op.drop_table('cpf_submissions')
    op.drop_table('civil_identities')
    with op.batch_alter_table('request_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_hits_key'))
        batch_op.drop_index(batch_op.f('ix_request_hits_at'))

    op.drop_table('request_hits')
    op.drop_table('certifier_settings')
    # ### end Alembic commands ###
