//! Who an account is for. Parsed once where it enters (the sign-up form, a stored row); every
//! rule about what a role may do is a method here, not a string comparison in a handler.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Someone tapering (or planning to): the record is theirs.
    Person,
    /// A prescriber or therapist who supports people.
    Clinician,
    /// A peer supporter.
    Peer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Person, Role::Clinician, Role::Peer];

    /// The stored and form value.
    pub fn key(self) -> &'static str {
        match self {
            Role::Person => "person",
            Role::Clinician => "clinician",
            Role::Peer => "peer",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key.trim())
    }

    /// How the sign-up form describes it.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Person => "someone tapering (or planning to)",
            Role::Clinician => "a clinician: prescriber or therapist",
            Role::Peer => "a peer supporter",
        }
    }

    /// How a person's sharing page names it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Person => "person",
            Role::Clinician => "clinician",
            Role::Peer => "peer supporter",
        }
    }

    /// Supporters see others' records through shares; a person has their own.
    pub fn is_supporter(self) -> bool {
        self != Role::Person
    }

    /// Only a clinician may close an urgent (self-harm) flag, and only for themselves: a peer
    /// says they reached out, which leaves it open for the clinician (issue 11).
    pub fn may_resolve_urgent_flags(self) -> bool {
        self == Role::Clinician
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_only_clinicians_close_urgent_flags() {
        for r in Role::ALL {
            assert_eq!(Role::from_key(r.key()), Some(r));
        }
        assert_eq!(Role::from_key("admin"), None);
        assert!(Role::Clinician.may_resolve_urgent_flags());
        assert!(!Role::Peer.may_resolve_urgent_flags() && !Role::Person.may_resolve_urgent_flags());
        assert!(!Role::Person.is_supporter() && Role::Peer.is_supporter());
    }
}
