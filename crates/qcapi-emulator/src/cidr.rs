//! IPv4 CIDR blocks: parsing, containment and overlap, and the VPC address rules.

use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 network `a.b.c.d/n` whose host bits are zero; the state file holds its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub(crate) struct Cidr {
    network: u32,
    prefix: u8,
}

/// The private ranges a VPC block must lie in (RFC 1918).
const PRIVATE_RANGES: [Cidr; 3] = [
    Cidr::new_unchecked(0x0A00_0000, 8),  // 10.0.0.0/8
    Cidr::new_unchecked(0xAC10_0000, 12), // 172.16.0.0/12
    Cidr::new_unchecked(0xC0A8_0000, 16), // 192.168.0.0/16
];

/// The prefix lengths the VPC API accepts for VPC and subnet blocks.
const VPC_PREFIXES: std::ops::RangeInclusive<u8> = 16..=28;

impl From<Cidr> for String {
    fn from(cidr: Cidr) -> Self {
        cidr.to_string()
    }
}

impl TryFrom<String> for Cidr {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| format!("`{text}` is not a CIDR block"))
    }
}

impl Cidr {
    const fn new_unchecked(network: u32, prefix: u8) -> Self {
        Self { network, prefix }
    }

    /// Parses `a.b.c.d/n`. Rejects missing parts, signs, prefixes over 32 and
    /// set host bits (`10.0.0.1/16` names a host, not a network).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = text.split_once('/')?;
        // `u8::from_str` would accept `+16`; only one or two plain digits are a prefix length.
        if prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix = prefix.parse().ok().filter(|prefix| *prefix <= 32)?;
        let network = u32::from(addr.parse::<Ipv4Addr>().ok()?);
        let cidr = Self { network, prefix };
        (network & cidr.mask() == network).then_some(cidr)
    }

    /// How many addresses the block holds.
    pub(crate) fn size(self) -> i64 {
        i64::from(!self.mask()) + 1
    }

    /// The addresses a subnet hands out: all of its block but the network, the
    /// gateway (network + 1) and the broadcast address.
    pub(crate) fn assignable(self) -> std::ops::RangeInclusive<u32> {
        let broadcast = self.network | !self.mask();
        self.network.saturating_add(2)..=broadcast.saturating_sub(1)
    }

    fn mask(self) -> u32 {
        u32::MAX
            .checked_shl(32 - u32::from(self.prefix))
            .unwrap_or(0)
    }

    /// Whether every address of `other` is in `self`.
    pub(crate) fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.network & self.mask() == self.network
    }

    /// Whether the two blocks share an address (for aligned blocks: one contains the other).
    pub(crate) fn overlaps(self, other: Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// Whether it is a valid VPC or subnet block: /16 to /28 inside a private range.
    pub(crate) fn is_vpc_block(self) -> bool {
        VPC_PREFIXES.contains(&self.prefix) && PRIVATE_RANGES.iter().any(|r| r.contains(self))
    }

    /// Whether it is a valid subnet of `vpc`: /16 to /28 and inside the VPC block.
    pub(crate) fn is_subnet_of(self, vpc: Cidr) -> bool {
        VPC_PREFIXES.contains(&self.prefix) && vpc.contains(self)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap_or_else(|| panic!("`{text}` should parse"))
    }

    #[test]
    fn parsing() {
        fn check(text: &str, expected: Option<&str>) {
            assert_eq!(
                Cidr::parse(text).map(|c| c.to_string()).as_deref(),
                expected,
                "{text}"
            );
        }
        check("10.0.0.0/16", Some("10.0.0.0/16"));
        check("192.168.1.0/24", Some("192.168.1.0/24"));
        check("0.0.0.0/0", Some("0.0.0.0/0"));
        check("10.0.0.1/32", Some("10.0.0.1/32"));
        check("10.0.0.1/16", None); // host bits set
        check("10.0.0.0/33", None);
        check("10.0.0.0/+16", None);
        check("10.0.0.0/", None);
        check("10.0.0.0", None);
        check("10.0.0/16", None);
        check("10.0.0.256/24", None);
        check(" 10.0.0.0/16", None);
        check("10.0.0.0/016", None); // three digits
        check("", None);
        check("/", None);
    }

    #[test]
    fn sizes_and_assignable_addresses() {
        fn check(text: &str, size: i64, first: &str, last: &str) {
            let block = cidr(text);
            assert_eq!(block.size(), size, "{text}");
            let range = block.assignable();
            let shown = (Ipv4Addr::from(*range.start()), Ipv4Addr::from(*range.end()));
            assert_eq!(
                shown,
                (first.parse().unwrap(), last.parse().unwrap()),
                "{text}"
            );
        }
        check("10.0.0.0/24", 256, "10.0.0.2", "10.0.0.254");
        check("192.168.10.16/28", 16, "192.168.10.18", "192.168.10.30");
        check("10.0.0.0/16", 65_536, "10.0.0.2", "10.0.255.254");
        check("0.0.0.0/0", 1 << 32, "0.0.0.2", "255.255.255.254");
    }

    #[test]
    fn vpc_blocks() {
        fn check(text: &str, expected: bool) {
            assert_eq!(cidr(text).is_vpc_block(), expected, "{text}");
        }
        check("10.0.0.0/16", true);
        check("10.255.0.0/16", true);
        check("172.16.0.0/16", true);
        check("172.31.0.0/16", true);
        check("172.32.0.0/16", false); // outside 172.16.0.0/12
        check("192.168.0.0/16", true);
        check("192.168.10.0/28", true);
        check("192.168.10.0/29", false); // too small
        check("10.0.0.0/15", false); // too big
        check("10.0.0.0/8", false);
        check("11.0.0.0/16", false);
        check("192.169.0.0/16", false);
    }

    #[test]
    fn overlap_and_containment() {
        fn check(a: &str, b: &str, overlaps: bool) {
            assert_eq!(cidr(a).overlaps(cidr(b)), overlaps, "{a} vs {b}");
            assert_eq!(cidr(b).overlaps(cidr(a)), overlaps, "{b} vs {a}");
        }
        check("10.0.0.0/16", "10.0.0.0/16", true);
        check("10.0.0.0/16", "10.0.5.0/24", true);
        check("10.0.0.0/16", "10.1.0.0/16", false);
        check("10.0.0.0/8", "10.200.0.0/16", true);
        check("172.16.0.0/16", "192.168.0.0/16", false);
        check("192.168.0.0/24", "192.168.1.0/24", false);
        assert!(cidr("10.0.1.0/24").is_subnet_of(cidr("10.0.0.0/16")));
        assert!(!cidr("10.1.1.0/24").is_subnet_of(cidr("10.0.0.0/16")));
        assert!(cidr("10.0.0.0/16").is_subnet_of(cidr("10.0.0.0/16")));
        assert!(!cidr("10.0.0.0/29").is_subnet_of(cidr("10.0.0.0/16")));
    }
}
