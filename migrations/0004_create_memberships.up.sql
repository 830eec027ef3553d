-- Who may do what in which project. The role is an enum type.
CREATE TYPE membership_role AS ENUM ('owner', 'admin', 'member', 'viewer');

CREATE TABLE memberships (
    user_id    bigint          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id bigint          NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role       membership_role NOT NULL DEFAULT 'member',
    created_at timestamptz     NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, project_id)
);

CREATE INDEX memberships_project_idx ON memberships (project_id);
