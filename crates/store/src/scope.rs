//! Scopes: every read or write of organisation data for a user takes one.
//!
//! A scope is a role over a *set* of subtrees (the rows of `user_scope` for that user and role): a
//! committee member in charge of three cells holds three; a mentor reaches the candidacies assigned
//! to them. The SQL filter is [`Scope::org_filter`]: one `EXISTS` over the closure table.

use serde::{Deserialize, Serialize};

/// Roles (glossary: OrgStaff, CommitteeMemberInCharge, PoliticalCentre, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administrator of the deployment (its subtrees: usually the root).
    Admin,
    /// Cán bộ tổ chức: acts on an organisation's subtree.
    OrgStaff,
    /// Đảng ủy viên phụ trách chi bộ: follows several cells.
    CommitteeMemberInCharge,
    /// Bí thư chi bộ: one cell.
    CellSecretary,
    /// Đảng viên giúp đỡ: the candidacies assigned to them.
    Mentor,
    /// Trung tâm chính trị: courses and certificates in its subtree.
    PoliticalCentre,
    /// Tổ chức đoàn thể: proposes candidates to the cells of its subtree.
    MassOrg,
    /// Reads a subtree, aggregates only.
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::OrgStaff,
        Role::CommitteeMemberInCharge,
        Role::CellSecretary,
        Role::Mentor,
        Role::PoliticalCentre,
        Role::MassOrg,
        Role::Viewer,
    ];

    /// Stable code stored in `user_scope.role`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::OrgStaff => "org_staff",
            Role::CommitteeMemberInCharge => "committee_member",
            Role::CellSecretary => "cell_secretary",
            Role::Mentor => "mentor",
            Role::PoliticalCentre => "political_centre",
            Role::MassOrg => "mass_org",
            Role::Viewer => "viewer",
        }
    }

    /// The role of a code.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::OrgStaff => "Cán bộ tổ chức",
            Role::CommitteeMemberInCharge => "Đảng ủy viên phụ trách chi bộ",
            Role::CellSecretary => "Bí thư chi bộ",
            Role::Mentor => "Đảng viên giúp đỡ",
            Role::PoliticalCentre => "Trung tâm chính trị",
            Role::MassOrg => "Tổ chức đoàn thể",
            Role::Viewer => "Lãnh đạo (xem báo cáo)",
        }
    }

    /// May see names of individuals at all (every role but the leaders, who read aggregates);
    /// which of their fields is [`Role::reads`]'s table.
    pub fn sees_individuals(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// What the role reads of the individuals it reaches: the one table of least privilege
    /// (issue 18; SECURITY.md prints it). Every read of those fields in the store asks it.
    pub fn reads(self, field: Field) -> bool {
        use Field::*;
        match self {
            Role::Admin | Role::OrgStaff | Role::CellSecretary => true,
            // The committee member in charge follows the cells' files; the ID number shows masked
            // (the staff and the cell's secretary fill the forms that carry it).
            Role::CommitteeMemberInCharge => !matches!(field, FullIdNumber),
            // A mentor follows their own candidates: who they are, where the file stands, the
            // notes they write. Not the sensitive fields, not the dossier, not the roster.
            Role::Mentor => matches!(field, Identity | History | MentorNotes),
            // The political centre runs courses: name, birth date, organisation, course results.
            Role::PoliticalCentre => matches!(field, Identity | CourseResults),
            // A mass organisation follows the candidates it proposed: who and at which step.
            Role::MassOrg => matches!(field, Identity),
            Role::Viewer => false,
        }
    }

    /// May record lifecycle steps.
    pub fn writes(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

/// The kinds of fields of an individual a role may read ([`Role::reads`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Name, birth date, organisation, stage.
    Identity,
    /// Ethnicity, religion, the profile's other details, the ID number.
    Sensitive,
    /// The recorded steps of a candidacy, with their numbers and dates.
    History,
    /// The mentor's monthly notes.
    MentorNotes,
    /// The dossier's attached files.
    DossierFiles,
    /// A cell's roster of members with their birth dates.
    Roster,
    /// Course classes, results and certificates.
    CourseResults,
    /// The ID number in full, one audited reveal at a time (`person.reveal_id`); whoever reads
    /// [`Field::Sensitive`] without this sees it masked (`********1234`).
    FullIdNumber,
}

impl Field {
    /// Every field, in the order SECURITY.md prints them.
    pub const ALL: [Field; 8] = [
        Field::Identity,
        Field::Sensitive,
        Field::History,
        Field::MentorNotes,
        Field::DossierFiles,
        Field::Roster,
        Field::CourseResults,
        Field::FullIdNumber,
    ];
}

/// What a user may reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The user (`user_scope.user_id`); `None` only for [`Scope::system`].
    pub user_id: Option<i64>,
    /// The role acting.
    pub role: Role,
    /// The user's roster entry, for mentors.
    pub member_id: Option<i64>,
}

impl Scope {
    /// A user acting in a role; the subtrees are that user's `user_scope` rows for the role.
    pub fn user(user_id: i64, role: Role, member_id: Option<i64>) -> Scope {
        Scope {
            user_id: Some(user_id),
            role,
            member_id,
        }
    }

    /// Everything: for the CLI and background jobs only, never built from a request.
    pub fn system() -> Scope {
        Scope {
            user_id: None,
            role: Role::Admin,
            member_id: None,
        }
    }

    /// Whether this is the system scope.
    pub fn is_system(&self) -> bool {
        self.user_id.is_none()
    }

    /// The SQL condition that `{org_col}` is in the scope's subtrees, written for this scope
    /// (issue 19: no catch-all `($all OR …)` a plan must keep both sides of): the system's is
    /// `$n` (bound true), a user's the `EXISTS` over the closure and their grants with `$n+1`
    /// (user id) and `$n+2` (role code). Bind [`Scope::binds`] in order (a placeholder the
    /// condition does not name is bound all the same).
    pub fn org_filter(&self, org_col: &str, n: usize) -> String {
        if self.is_system() {
            return format!("${n}");
        }
        format!(
            "EXISTS (SELECT 1 FROM org_closure scope_c JOIN user_scope scope_u ON scope_u.org_id = scope_c.ancestor_id \
             WHERE scope_c.descendant_id = {org_col} AND scope_u.user_id = ${} AND scope_u.role = ${})",
            n + 1,
            n + 2
        )
    }

    /// The values for [`Scope::org_filter`]'s three placeholders.
    pub fn binds(&self) -> (bool, i64, &'static str) {
        (
            self.is_system(),
            self.user_id.unwrap_or(-1),
            self.role.code(),
        )
    }
}
