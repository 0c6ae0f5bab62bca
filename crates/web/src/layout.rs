//! What every page's layout shows: title, the user, the CSRF token, breadcrumbs, the active menu.

/// The user in the top bar.
#[derive(Clone, Debug)]
pub struct UserBadge {
    /// Name shown.
    pub display_name: String,
    /// The acting role, in Vietnamese.
    pub role_label: String,
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
}
