//! The person fields shared by the forms that add a person (new candidate, new member), as
//! posted, and their conversion to the domain's [`PersonForm`].

use ketnap_domain::person::PersonForm;
use serde::Deserialize;

/// The person fields of a form, as typed (flattened into the form's own input struct). Public
/// only because the forms deref to it for their templates; the module itself is private.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PersonInput {
    /// Full name.
    #[serde(default)]
    pub full_name: String,
    /// Birth date, dd/mm/yyyy.
    #[serde(default)]
    pub birth_date: String,
    /// Gender (code or label).
    #[serde(default)]
    pub gender: String,
    /// Ethnicity.
    #[serde(default)]
    pub ethnicity: String,
    /// Religion.
    #[serde(default)]
    pub religion: String,
    /// General education, e.g. 12/12.
    #[serde(default)]
    pub education: String,
    /// Professional qualification (code or label).
    #[serde(default)]
    pub qualification: String,
    /// Political theory level (code or label).
    #[serde(default)]
    pub theory_level: String,
    /// Source category (code or label).
    #[serde(default)]
    pub source_category: String,
    /// Personal identification number, if any.
    #[serde(default)]
    pub id_number: String,
}

impl PersonInput {
    /// The domain form of these fields, with the given union flags and no residential unit.
    pub fn to_form(&self, youth_union_member: bool, trade_union_member: bool) -> PersonForm {
        PersonForm {
            full_name: self.full_name.clone(),
            birth_date: self.birth_date.clone(),
            gender: self.gender.clone(),
            ethnicity: self.ethnicity.clone(),
            religion: self.religion.clone(),
            education: self.education.clone(),
            qualification: self.qualification.clone(),
            theory_level: self.theory_level.clone(),
            source_category: self.source_category.clone(),
            id_number: self.id_number.clone(),
            youth_union_member,
            trade_union_member,
            residential_unit: String::new(),
        }
    }
}
