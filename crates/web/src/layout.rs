//! What every page's layout shows: title, the user, the CSRF token, breadcrumbs, the active menu.
//!
//! The menu shows only the entries the acting role may use ([`menu_shows`]); the labels live in
//! `templates/base.html`. A user holding several roles gets a role switch in the top bar
//! ([`UserBadge::roles`], posted to `POST /role`).

use ketnap_store::Role;

/// One of the user's roles, as the role switch offers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleChoice {
    /// The role's code (`user_scope.role`), the value posted.
    pub code: &'static str,
    /// The role's Vietnamese label.
    pub label: &'static str,
    /// The role acting now.
    pub current: bool,
}

/// The user in the top bar.
#[derive(Clone, Debug)]
pub struct UserBadge {
    /// Name shown.
    pub display_name: String,
    /// The acting role, in Vietnamese.
    pub role_label: String,
    /// The acting role.
    pub role: Role,
    /// Every role the user holds (the acting one marked); the switch shows when there are two
    /// or more.
    pub roles: Vec<RoleChoice>,
}

impl UserBadge {
    /// A user acting in `role` among the roles `held`.
    pub fn new(display_name: impl Into<String>, role: Role, held: &[Role]) -> UserBadge {
        UserBadge {
            display_name: display_name.into(),
            role_label: role.label_vi().to_string(),
            role,
            roles: held
                .iter()
                .map(|r| RoleChoice {
                    code: r.code(),
                    label: r.label_vi(),
                    current: *r == role,
                })
                .collect(),
        }
    }

    /// Whether the role switch is shown (the user holds more than one role).
    pub fn can_switch(&self) -> bool {
        self.roles.len() > 1
    }
}

/// The keys of the main menu, in the order `templates/base.html` shows them.
pub const MENU: [&str; 10] = [
    "dashboard",
    "orgs",
    "members",
    "candidates",
    "mentors",
    "alerts",
    "plans",
    "reports",
    "audit",
    "import",
];

/// Whether the menu entry `key` is shown to `role`: the pages the role has work to do on.
///
/// Every role has the overview and the organisation tree. The roster is for those who keep it
/// and those who lead or read a subtree; the lists of individuals (candidates, mentors' missing
/// notes, alerts) are not for a viewer, who sees aggregates only; the mentors' page is for the
/// staff and the mentors; the alerts for everyone who records steps; the audit log for
/// administrators and organisation staff only (the page refuses everyone else), and so is the
/// import page. Plans and reports hold counts: for the staff, the committees, the cells and the
/// leaders (mentors, the political centre and the mass organisations reach them by address; their
/// scopes are a few people).
pub fn menu_shows(key: &str, role: Role) -> bool {
    use Role::{
        Admin, CellSecretary, CommitteeMemberInCharge, MassOrg, Mentor, OrgStaff, PoliticalCentre,
        Viewer,
    };
    match key {
        "dashboard" | "orgs" => true,
        "members" => matches!(
            role,
            Admin | OrgStaff | CommitteeMemberInCharge | CellSecretary | Viewer
        ),
        "candidates" => role.sees_individuals(),
        "mentors" => matches!(
            role,
            Admin | OrgStaff | CommitteeMemberInCharge | CellSecretary | Mentor
        ),
        "alerts" => !matches!(role, MassOrg | Viewer),
        "classes" => matches!(
            role,
            Admin | OrgStaff | CommitteeMemberInCharge | CellSecretary | PoliticalCentre
        ),
        "audit" | "import" | "verification" => matches!(role, Admin | OrgStaff),
        "plans" | "reports" => matches!(
            role,
            Admin | OrgStaff | CommitteeMemberInCharge | CellSecretary | Viewer
        ),
        _ => false,
    }
}

/// One breadcrumb.
#[derive(Clone, Debug)]
pub struct Crumb {
    /// Link.
    pub href: String,
    /// Label.
    pub label: String,
}

/// The layout of a page (templates/base.html).
#[derive(Clone, Debug)]
pub struct Layout {
    /// Page title.
    pub title: String,
    /// The logged-in user.
    pub user: Option<UserBadge>,
    /// The session's CSRF token for forms.
    pub csrf: String,
    /// Breadcrumbs.
    pub crumbs: Vec<Crumb>,
    /// Menu key of the page (`dashboard`, `orgs`, `candidates`…).
    pub active: &'static str,
}

impl Layout {
    /// A page's layout.
    pub fn new(
        title: impl Into<String>,
        user: Option<UserBadge>,
        csrf: String,
        active: &'static str,
    ) -> Layout {
        Layout {
            title: title.into(),
            user,
            csrf,
            crumbs: Vec::new(),
            active,
        }
    }

    /// With breadcrumbs.
    pub fn crumbs(mut self, crumbs: Vec<Crumb>) -> Layout {
        self.crumbs = crumbs;
        self
    }

    /// Whether the menu shows the entry `key` to the logged-in user's acting role.
    pub fn shows(&self, key: &str) -> bool {
        self.user.as_ref().is_some_and(|u| menu_shows(key, u.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_sees_the_overview_and_only_staff_see_the_audit_log() {
        for role in Role::ALL {
            assert!(menu_shows("dashboard", role), "{role:?}");
            assert_eq!(
                menu_shows("audit", role),
                matches!(role, Role::Admin | Role::OrgStaff),
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_viewer_is_offered_no_list_of_individuals() {
        for key in ["candidates", "mentors", "alerts"] {
            assert!(!menu_shows(key, Role::Viewer), "{key}");
        }
        assert!(menu_shows("members", Role::Viewer));
    }

    #[test]
    fn an_unknown_menu_key_is_shown_to_nobody() {
        assert!(Role::ALL.iter().all(|r| !menu_shows("no-such-page", *r)));
    }

    #[test]
    fn the_switch_shows_only_to_a_user_holding_two_roles() {
        let one = UserBadge::new("A", Role::Mentor, &[Role::Mentor]);
        assert!(!one.can_switch());
        let two = UserBadge::new(
            "B",
            Role::Mentor,
            &[Role::CommitteeMemberInCharge, Role::Mentor],
        );
        assert!(two.can_switch());
        assert_eq!(
            two.roles.iter().filter(|r| r.current).count(),
            1,
            "exactly one role is the acting one"
        );
        assert_eq!(two.role_label, "Đảng viên giúp đỡ");
    }
}
