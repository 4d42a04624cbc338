//! Peering connections, same-region and cross-region (`Ex`): create, accept, reject,
//! enable, modify, delete and list, with the 7-day expiry of pending requests.

use qcapi_core::vpc::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::table::{self, Handlers, Head, Listing, Model, Now, Order, Resource, check_name};
use super::{Caller, Failure, State, Vpc, format_datetime};

/// A pending peering expires once this much emulator time passed since its creation.
pub(crate) const PEERING_EXPIRY_SECS: i64 = 7 * 24 * 3600;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateVpcPeeringConnection::run)
        .add(CreateVpcPeeringConnectionEx::run)
        .add(DescribeVpcPeeringConnections::run)
        .dump("peeringConnections", |state, caller| {
            let mine = |p: &&Peering| p.touches(&caller.uin, &caller.region);
            let items: Vec<_> = state.peerings.iter().filter(mine).map(item).collect();
            serde_json::to_value(items).unwrap_or_default()
        });
    register_changes(handlers);
}

/// States of a peering connection, with their wire codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PeeringState {
    Pending = 0,
    Active = 1,
    Expired = 2,
    Rejected = 3,
    Deleted = 4,
}

impl PeeringState {
    fn code(self) -> i64 {
        self as i64
    }

    pub(super) fn label(self) -> &'static str {
        // In the order of the wire codes.
        ["pending", "active", "expired", "rejected", "deleted"][self as usize]
    }
}

/// What a peering action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeeringOp {
    Accept,
    Reject,
    Enable,
    Delete,
    Modify,
}

/// One side of a peering, copied so a peering outlives a deleted VPC.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Side {
    pub(super) uin: String,
    pub(super) region: String,
    pub(super) vpc_id: String,
    pub(super) un_vpc_id: String,
}

impl Side {
    fn of(vpc: &Vpc) -> Self {
        Self {
            uin: vpc.uin.clone(),
            region: vpc.region.clone(),
            vpc_id: vpc.head.id.clone(),
            un_vpc_id: vpc.head.un_id.clone(),
        }
    }

    fn has_vpc(&self, id: &str) -> bool {
        self.vpc_id == id || self.un_vpc_id == id
    }
}

/// A peering connection; it only has a unified id (`pcx-...`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Peering {
    /// `created` restarts when an expired request is enabled again.
    pub(super) head: Head,
    pub(super) initiator: Side,
    pub(super) receiver: Side,
    pub(super) state: PeeringState,
    /// Only cross-region (`Ex`) peerings carry a bandwidth.
    bandwidth: Option<String>,
}

table::resource! {
    Peering "peering connection",
    InvalidPeeringConnectionNotFound, InvalidPeeringConnectionName,
    InvalidPeeringConnectionNameInUse
}

impl Peering {
    fn involves(&self, uin: &str) -> bool {
        self.initiator.uin == uin || self.receiver.uin == uin
    }

    /// Whether a side is in account `uin`'s region `region`.
    pub(super) fn touches(&self, uin: &str, region: &str) -> bool {
        [&self.initiator, &self.receiver]
            .iter()
            .any(|side| side.uin == uin && side.region == region)
    }

    /// Whether `vpc` is a side.
    pub(super) fn joins(&self, vpc: &Vpc) -> bool {
        self.initiator.vpc_id == vpc.head.id || self.receiver.vpc_id == vpc.head.id
    }

    pub(super) fn is_live(&self) -> bool {
        matches!(self.state, PeeringState::Pending | PeeringState::Active)
    }
}

/// The role and state rules of a peering operation by the initiator, the
/// receiver or both (one account on both sides): the state it leads to, or the
/// conflict (`UnsupportedOperation` for the wrong side, a state conflict otherwise).
pub(crate) fn transition(
    current: PeeringState,
    by_initiator: bool,
    by_receiver: bool,
    op: PeeringOp,
) -> Result<PeeringState, Failure> {
    use PeeringState::*;
    let (role_ok, role, from_ok, to) = match op {
        PeeringOp::Accept => (by_receiver, "the receiver", current == Pending, Active),
        PeeringOp::Reject => (by_receiver, "the receiver", current == Pending, Rejected),
        PeeringOp::Enable => (by_initiator, "the initiator", current == Expired, Pending),
        PeeringOp::Delete => (true, "either side", current != Deleted, Deleted),
        PeeringOp::Modify => (true, "either side", current != Deleted, current),
    };
    if !role_ok {
        let message = format!("only {role} of a peering connection can {op:?} it");
        return Err(Failure::business(ErrorCode::UnsupportedOperation, message));
    }
    if !from_ok {
        return Err(Failure::business(
            ErrorCode::PeeringConnectionStateConflict,
            format!(
                "cannot {op:?} a peering connection in state {} ({})",
                current.code(),
                current.label()
            ),
        ));
    }
    Ok(to)
}

impl Model for CreateVpcPeeringConnection {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        // The cross-region request with the peer in the caller's own region.
        let same_region = CreateVpcPeeringConnectionEx::new(
            r.vpc_id,
            r.peer_vpc_id,
            r.peer_uin,
            r.peering_connection_name,
            &caller.region,
            "",
        );
        let id = state.create_peering(caller, &same_region, false, now)?;
        Ok(CreateVpcPeeringConnectionOutput {
            peering_connection_id: Some(id),
            ..Default::default()
        })
    }
}

impl Model for CreateVpcPeeringConnectionEx {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let id = state.create_peering(caller, &r, true, now)?;
        let task = state.new_task(&caller.uin, Ok(json!({ "uniqVpcPeerId": id })));
        Ok(CreateVpcPeeringConnectionExOutput {
            task_id: Some(task),
            uniq_vpc_peer_id: Some(id),
            ..Default::default()
        })
    }
}

/// The synchronous action and its asynchronous `Ex` twin for each operation:
/// one model each, the same rules, and `register_changes` registering them.
/// Modify also names the new name's field.
macro_rules! changes {
    ($($op:ident $(($name:ident))?: $Sync:ident, $Ex:ident;)*) => {
        fn register_changes(handlers: &mut Handlers) {
            $(handlers.add($Sync::run).add($Ex::run);)*
        }

        $(impl Model for $Sync {
            fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
                let (id, name) = (&r.peering_connection_id, None $(.or(Some(r.$name.as_str())))?);
                state.change_peering(caller, id, PeeringOp::$op, name, now)??;
                Ok(Self::Output::default())
            }
        }

        impl Model for $Ex {
            fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
                let (id, name) = (&r.peering_connection_id, None $(.or(Some(r.$name.as_str())))?);
                let outcome = state.change_peering(caller, id, PeeringOp::$op, name, now)?;
                let task_id = Some(state.new_task(&caller.uin, outcome.map(|()| json!({}))));
                Ok(Self::Output { task_id, ..Default::default() })
            }
        })*
    };
}

changes! {
    Accept: AcceptVpcPeeringConnection, AcceptVpcPeeringConnectionEx;
    Reject: RejectVpcPeeringConnection, RejectVpcPeeringConnectionEx;
    Enable: EnableVpcPeeringConnection, EnableVpcPeeringConnectionEx;
    Delete: DeleteVpcPeeringConnection, DeleteVpcPeeringConnectionEx;
    Modify(peering_connection_name): ModifyVpcPeeringConnection, ModifyVpcPeeringConnectionEx;
}

impl Model for DescribeVpcPeeringConnections {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let vpc_id = r.vpc_id.as_deref();
        let name = r.peering_connection_name.as_deref();
        let found = state
            .peerings
            .iter()
            .filter(|p| p.involves(&caller.uin))
            .filter(|p| vpc_id.is_none_or(|v| p.initiator.has_vpc(v) || p.receiver.has_vpc(v)))
            .filter(|p| name.is_none_or(|n| p.head.name == n))
            .filter(|p| r.state.is_none_or(|s| p.state.code() == s));
        let order = match r.order_field.as_deref() {
            // The documentation spells it `peeringConnectionname`; accept the obvious spelling too.
            Some("peeringConnectionname" | "peeringConnectionName") => Order::Name,
            Some("createTime") => Order::Created,
            _ => Order::Stored,
        };
        let listing = Listing {
            id: r.peering_connection_id.as_deref(),
            order,
            order_direction: r.order_direction.as_deref(),
            ..Listing::page_of(&r)
        };
        let (total, page) = listing.page(found, |p| *p);
        Ok(DescribeVpcPeeringConnectionsOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

/// A peering as DescribeVpcPeeringConnections lists it.
fn item(p: &Peering) -> PeeringConnection {
    PeeringConnection {
        peering_connection_id: Some(p.head.id.clone()),
        peering_connection_name: Some(p.head.name.clone()),
        vpc_id: Some(p.initiator.vpc_id.clone()),
        un_vpc_id: Some(p.initiator.un_vpc_id.clone()),
        uniq_vpc_id: Some(p.initiator.un_vpc_id.clone()),
        peer_vpc_id: Some(p.receiver.vpc_id.clone()),
        un_peer_vpc_id: Some(p.receiver.un_vpc_id.clone()),
        uniq_peer_vpc_id: Some(p.receiver.un_vpc_id.clone()),
        uin: Some(p.initiator.uin.clone()),
        peer_uin: Some(p.receiver.uin.clone()),
        // The emulator's accounts have no separate AppId.
        app_id: Some(p.initiator.uin.clone()),
        region: Some(p.initiator.region.clone()),
        peer_region: Some(p.receiver.region.clone()),
        state: Some(p.state.code()),
        bandwidth: p.bandwidth.clone(),
        create_time: Some(format_datetime(p.head.created)),
    }
}

impl State {
    /// Pending peerings left unanswered for 7 days expire (evaluated lazily, on each request).
    pub(crate) fn expire_pending(&mut self, now: Now) {
        for p in &mut self.peerings {
            if p.state == PeeringState::Pending
                && now.saturating_sub(p.head.created) >= PEERING_EXPIRY_SECS
            {
                p.state = PeeringState::Expired;
            }
        }
    }

    /// How many peerings, not deleted, the VPC is a side of.
    pub(super) fn peer_count(&self, vpc: &Vpc) -> usize {
        let sides = self.peerings.iter().filter(|p| p.joins(vpc));
        sides.filter(|p| p.state != PeeringState::Deleted).count()
    }

    /// A new peering as `r` asks for it; only cross-region (`ex`) ones carry a bandwidth.
    fn create_peering(
        &mut self,
        caller: &Caller,
        r: &CreateVpcPeeringConnectionEx,
        ex: bool,
        now: Now,
    ) -> Result<String, Failure> {
        check_name(&r.peering_connection_name, Peering::INVALID_NAME)?;
        let local = &self.vpcs[self.find_vpc(&caller.uin, &caller.region, &r.vpc_id)?];
        let peer = &self.vpcs[self.find_vpc(&r.peer_uin, &r.peer_region, &r.peer_vpc_id)?];
        if local.cidr.overlaps(peer.cidr) {
            return Err(Failure::business(
                ErrorCode::PeeringConnectionVpcConflict,
                format!(
                    "the blocks of `{}` ({}) and `{}` ({}) overlap",
                    r.vpc_id, local.cidr, r.peer_vpc_id, peer.cidr
                ),
            ));
        }
        // Each side holds at most its quota of live (pending or active) peerings.
        for vpc in [local, peer] {
            let held = self.peerings.iter().filter(|p| p.is_live() && p.joins(vpc));
            let what = format!("live peering connections of VPC `{}`", vpc.head.un_id);
            let code = ErrorCode::PeeringConnectionLimitExceeded;
            self.within("20", (held.count(), 1), code, &what)?;
        }
        // Within one account nobody needs to accept: the peering is active at once.
        let state = if peer.uin == caller.uin {
            PeeringState::Active
        } else {
            PeeringState::Pending
        };
        let (initiator, receiver) = (Side::of(local), Side::of(peer));
        let head = self.head("pcx", None, r.peering_connection_name.clone(), now);
        let id = head.id.clone();
        self.peerings.push(Peering {
            head,
            initiator,
            receiver,
            state,
            bandwidth: ex.then(|| r.bandwidth.clone()),
        });
        Ok(id)
    }

    /// Accept, Reject, Enable, Delete and Modify. Lookup and parameter errors
    /// are the outer error; a role or state conflict, which changes nothing, is
    /// the inner one (an `Ex` action's task fails with it).
    fn change_peering(
        &mut self,
        caller: &Caller,
        id: &str,
        op: PeeringOp,
        new_name: Option<&str>,
        now: Now,
    ) -> Result<Result<(), Failure>, Failure> {
        if let Some(name) = new_name {
            check_name(name, Peering::INVALID_NAME)?;
        }
        let index = self
            .peerings
            .iter()
            .position(|p| p.head.id == id && p.involves(&caller.uin));
        let Some(index) = index else {
            let message = format!("peering connection `{id}` not found");
            return Err(Failure::business(Peering::NOT_FOUND, message));
        };
        let p = &self.peerings[index];
        let (initiator, receiver) = (p.initiator.uin == caller.uin, p.receiver.uin == caller.uin);
        let decided = transition(p.state, initiator, receiver, op);
        if let Ok(next) = decided {
            self.check_change(index, op, new_name)?;
            let p = &mut self.peerings[index];
            if op == PeeringOp::Enable {
                // Revived requests get a fresh 7-day window.
                p.head.created = now;
            }
            if let Some(name) = new_name {
                p.head.name = name.to_owned();
            }
            p.state = next;
            if next == PeeringState::Deleted {
                let id = p.head.id.clone();
                self.drop_routes_to(super::route::NEXT_TYPE_PEERING, &id);
            }
        }
        Ok(decided.map(|_| ()))
    }

    /// Checks that only apply once role and state allow the change.
    fn check_change(&self, index: usize, op: PeeringOp, name: Option<&str>) -> Result<(), Failure> {
        let p = &self.peerings[index];
        match op {
            // A revived request must still connect two existing VPCs.
            PeeringOp::Enable => {
                for side in [&p.initiator, &p.receiver] {
                    self.find_vpc(&side.uin, &side.region, &side.vpc_id)?;
                }
            }
            // Names are unique among the live peerings of the initiator's VPC.
            PeeringOp::Modify => {
                let name = name.unwrap_or_default();
                let clash = self.peerings.iter().any(|other| {
                    other.head.id != p.head.id
                        && other.state != PeeringState::Deleted
                        && other.initiator.vpc_id == p.initiator.vpc_id
                        && other.head.name == name
                });
                if clash {
                    let message = format!(
                        "VPC `{}` already has a peering connection named `{name}`",
                        p.initiator.vpc_id
                    );
                    return Err(Failure::business(Peering::NAME_IN_USE, message));
                }
            }
            PeeringOp::Accept | PeeringOp::Reject | PeeringOp::Delete => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn transition_matrix() {
        use PeeringOp::*;
        use PeeringState::*;
        /// (state, caller is initiator, caller is receiver, op, expected new state or codeDesc)
        type Case = (
            PeeringState,
            bool,
            bool,
            PeeringOp,
            Result<PeeringState, &'static str>,
        );
        let cases: &[Case] = &[
            (Pending, false, true, Accept, Ok(Active)),
            (Pending, true, false, Accept, Err("UnsupportedOperation")),
            (
                Active,
                false,
                true,
                Accept,
                Err("PeeringConnection.StateConflict"),
            ),
            (
                Expired,
                false,
                true,
                Accept,
                Err("PeeringConnection.StateConflict"),
            ),
            (
                Rejected,
                false,
                true,
                Accept,
                Err("PeeringConnection.StateConflict"),
            ),
            (Pending, false, true, Reject, Ok(Rejected)),
            (Pending, true, false, Reject, Err("UnsupportedOperation")),
            (
                Deleted,
                false,
                true,
                Reject,
                Err("PeeringConnection.StateConflict"),
            ),
            (Expired, true, false, Enable, Ok(Pending)),
            (Expired, false, true, Enable, Err("UnsupportedOperation")),
            (
                Pending,
                true,
                false,
                Enable,
                Err("PeeringConnection.StateConflict"),
            ),
            (
                Active,
                true,
                false,
                Enable,
                Err("PeeringConnection.StateConflict"),
            ),
            (Active, true, false, Delete, Ok(Deleted)),
            (Active, false, true, Delete, Ok(Deleted)),
            (Pending, true, false, Delete, Ok(Deleted)),
            (Rejected, false, true, Delete, Ok(Deleted)),
            (
                Deleted,
                true,
                false,
                Delete,
                Err("PeeringConnection.StateConflict"),
            ),
            (Active, false, true, Modify, Ok(Active)),
            (Expired, true, false, Modify, Ok(Expired)),
            (
                Deleted,
                true,
                false,
                Modify,
                Err("PeeringConnection.StateConflict"),
            ),
            // One account on both sides: role is fine, state decides.
            (
                Active,
                true,
                true,
                Accept,
                Err("PeeringConnection.StateConflict"),
            ),
        ];
        for &(from, initiator, receiver, op, expected) in cases {
            let got = transition(from, initiator, receiver, op).map_err(|e| {
                assert_eq!(e.code, 5100, "{e:?}");
                e.code_desc
            });
            assert_eq!(
                got,
                expected.map_err(str::to_owned),
                "{op:?} from {from:?} (initiator {initiator}, receiver {receiver})"
            );
        }
    }

    #[test]
    fn business_codes() {
        fn check(name: &str, code: i64) {
            assert_eq!(Failure::business_name(name, "m").code, code, "{name}");
        }
        check("InvalidVpc.NotFound", 5000);
        check("InvalidPeeringConnection.NotFound", 5000);
        check("InvalidTask.NotFound", 5000);
        check("PeeringConnectionVpcConflict", 5100);
        check("InvalidVpcName.InUse", 5100);
        check("UnsupportedOperation", 5100);
        check("PeeringConnection.StateConflict", 5100);
    }

    #[test]
    fn pending_peering_expires_after_seven_days_and_can_be_revived() {
        let mut state = State::default();
        let id = pending_pair(&mut state);
        let (a, b) = (caller(A, "gz"), caller(B, "gz"));
        assert_eq!(peering_state(&mut state, &b, &id, T0), 0);
        assert_eq!(peering_state(&mut state, &a, &id, T0 + 7 * DAY - 1), 0);
        assert_eq!(peering_state(&mut state, &a, &id, T0 + 7 * DAY), 2);
        // Expired: the receiver can no longer accept; only the initiator can revive it.
        let now = T0 + 8 * DAY;
        let accept = [("peeringConnectionId", id.as_str())];
        assert_eq!(
            err_desc(call(
                &mut state,
                &b,
                "AcceptVpcPeeringConnection",
                &accept,
                now
            )),
            "PeeringConnection.StateConflict"
        );
        assert_eq!(
            err_desc(call(
                &mut state,
                &b,
                "EnableVpcPeeringConnection",
                &accept,
                now
            )),
            "UnsupportedOperation"
        );
        ok(call(
            &mut state,
            &a,
            "EnableVpcPeeringConnection",
            &accept,
            now,
        ));
        assert_eq!(peering_state(&mut state, &b, &id, now), 0);
        // A fresh 7-day window from the revival.
        assert_eq!(peering_state(&mut state, &b, &id, now + 7 * DAY - 1), 0);
        assert_eq!(peering_state(&mut state, &b, &id, now + 7 * DAY), 2);
    }

    #[test]
    fn accept_reject_delete_life_cycle() {
        let mut state = State::default();
        let (a, b) = (caller(A, "gz"), caller(B, "gz"));
        let id = pending_pair(&mut state);
        let pcx = [("peeringConnectionId", id.as_str())];
        assert_eq!(
            err_desc(call(&mut state, &a, "AcceptVpcPeeringConnection", &pcx, T0)),
            "UnsupportedOperation"
        );
        ok(call(&mut state, &b, "AcceptVpcPeeringConnection", &pcx, T0));
        assert_eq!(peering_state(&mut state, &a, &id, T0), 1);
        // Active peerings never expire.
        assert_eq!(peering_state(&mut state, &a, &id, T0 + 30 * DAY), 1);
        assert_eq!(
            err_desc(call(&mut state, &b, "RejectVpcPeeringConnection", &pcx, T0)),
            "PeeringConnection.StateConflict"
        );
        ok(call(&mut state, &b, "DeleteVpcPeeringConnection", &pcx, T0));
        // Deleted peerings stay visible with state 4.
        assert_eq!(peering_state(&mut state, &a, &id, T0), 4);
        assert_eq!(
            err_desc(call(&mut state, &a, "DeleteVpcPeeringConnection", &pcx, T0)),
            "PeeringConnection.StateConflict"
        );

        let other = pending_pair_again(&mut state);
        let pcx = [("peeringConnectionId", other.as_str())];
        ok(call(&mut state, &b, "RejectVpcPeeringConnection", &pcx, T0));
        assert_eq!(peering_state(&mut state, &a, &other, T0), 3);
    }

    /// Another pending A→B peering between the VPCs `pending_pair` created.
    fn pending_pair_again(state: &mut State) -> String {
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "CreateVpcPeeringConnection",
            &[
                ("vpcId", "gz_vpc_1"),
                ("peerVpcId", "gz_vpc_3"),
                ("peerUin", B),
                ("peeringConnectionName", "again"),
            ],
            T0,
        ));
        out["peeringConnectionId"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    #[test]
    fn peering_visibility_and_lookup_errors() {
        let mut state = State::default();
        let id = pending_pair(&mut state);
        let stranger = caller("100000000003", "gz");
        let pcx = [("peeringConnectionId", id.as_str())];
        assert_eq!(
            err_desc(call(
                &mut state,
                &stranger,
                "DeleteVpcPeeringConnection",
                &pcx,
                T0
            )),
            "InvalidPeeringConnection.NotFound"
        );
        let none = ok(call(
            &mut state,
            &stranger,
            "DescribeVpcPeeringConnections",
            &[],
            T0,
        ));
        assert_eq!(none["totalCount"], 0);
        let unknown = [("peeringConnectionId", "pcx-00000000")];
        let failure = call(
            &mut state,
            &caller(A, "gz"),
            "AcceptVpcPeeringConnection",
            &unknown,
            T0,
        )
        .expect_err("unknown id");
        assert_eq!(
            (failure.code, failure.code_desc.as_str()),
            (5000, "InvalidPeeringConnection.NotFound")
        );
    }

    #[test]
    fn peering_creation_rules() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let a1 = create_vpc(&mut state, &a, "a1", "10.0.0.0/16");
        let a2 = create_vpc(&mut state, &a, "a2", "10.0.128.0/24"); // overlaps a1
        let a3 = create_vpc(&mut state, &a, "a3", "192.168.0.0/16");
        let b_sh = create_vpc(&mut state, &caller(B, "sh"), "b", "172.16.0.0/16");
        let create = |state: &mut State, vpc: &str, peer: &str, uin: &str| {
            call(
                state,
                &a,
                "CreateVpcPeeringConnection",
                &[
                    ("vpcId", vpc),
                    ("peerVpcId", peer),
                    ("peerUin", uin),
                    ("peeringConnectionName", "p"),
                ],
                T0,
            )
        };
        assert_eq!(
            err_desc(create(&mut state, &a1, &a2, A)),
            "PeeringConnectionVpcConflict"
        );
        assert_eq!(
            err_desc(create(&mut state, &a1, &a1, A)),
            "PeeringConnectionVpcConflict"
        );
        assert_eq!(
            err_desc(create(&mut state, "vpc-nothere", &a3, A)),
            "InvalidVpc.NotFound"
        );
        assert_eq!(
            err_desc(create(&mut state, &a1, &a3, B)),
            "InvalidVpc.NotFound"
        ); // wrong owner
        assert_eq!(
            err_desc(create(&mut state, &a1, &b_sh, B)),
            "InvalidVpc.NotFound"
        ); // other region
        // Same account: active at once; old-style ids work too.
        let out = ok(create(&mut state, "gz_vpc_1", &a3, A));
        let id = out["peeringConnectionId"].as_str().expect("id");
        assert!(id.starts_with("pcx-") && id.len() == 12, "{id}");
        assert_eq!(peering_state(&mut state, &a, id, T0), 1);

        // Cross-region: found in peerRegion, asynchronous, keeps the bandwidth.
        let out = ok(call(
            &mut state,
            &a,
            "CreateVpcPeeringConnectionEx",
            &[
                ("vpcId", &a1),
                ("peerVpcId", &b_sh),
                ("peerUin", B),
                ("peeringConnectionName", "x"),
                ("peerRegion", "sh"),
                ("bandwidth", "20"),
            ],
            T0,
        ));
        let ex_id = out["uniqVpcPeerId"]
            .as_str()
            .expect("uniqVpcPeerId")
            .to_owned();
        let task = out["taskId"].as_u64().expect("taskId").to_string();
        let listed = ok(call(
            &mut state,
            &caller(B, "sh"),
            "DescribeVpcPeeringConnections",
            &[("peeringConnectionId", &ex_id)],
            T0,
        ));
        let item = &listed["data"][0];
        assert_eq!(item["state"], 0);
        assert_eq!(item["bandwidth"], "20");
        assert_eq!(
            (item["region"].as_str(), item["peerRegion"].as_str()),
            (Some("gz"), Some("sh"))
        );
        assert_eq!(
            (
                item["uin"].as_str(),
                item["peerUin"].as_str(),
                item["appId"].as_str()
            ),
            (Some(A), Some(B), Some(A))
        );
        let first = ok(call(
            &mut state,
            &a,
            "DescribeVpcTaskResult",
            &[("taskId", &task)],
            T0,
        ));
        assert_eq!(first["data"], json!({"status": 2}));
        let second = ok(call(
            &mut state,
            &a,
            "DescribeVpcTaskResult",
            &[("taskId", &task)],
            T0,
        ));
        assert_eq!(
            second["data"],
            json!({"status": 0, "output": {"uniqVpcPeerId": ex_id}})
        );
    }

    #[test]
    fn ex_conflicts_fail_the_task_and_change_nothing() {
        let mut state = State::default();
        let (a, b) = (caller(A, "gz"), caller(B, "gz"));
        let id = pending_pair(&mut state);
        let pcx = [("peeringConnectionId", id.as_str())];
        let out = ok(call(
            &mut state,
            &a,
            "AcceptVpcPeeringConnectionEx",
            &pcx,
            T0,
        ));
        let task = out["taskId"].as_u64().expect("taskId").to_string();
        assert_eq!(peering_state(&mut state, &a, &id, T0), 0);
        let query = [("taskId", task.as_str())];
        assert_eq!(
            ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0))["data"]["status"],
            2
        );
        let failed = ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0));
        assert_eq!(failed["data"]["status"], 1);
        assert_eq!(failed["data"]["output"]["errorCode"], 5100);
        assert_eq!(failed["data"]["output"]["codeDesc"], "UnsupportedOperation");
        // Tasks belong to their creator.
        assert_eq!(
            err_desc(call(&mut state, &b, "DescribeVpcTaskResult", &query, T0)),
            "InvalidTask.NotFound"
        );
        assert_eq!(
            err_desc(call(
                &mut state,
                &a,
                "DescribeVpcTaskResult",
                &[("taskId", "999999")],
                T0
            )),
            "InvalidTask.NotFound"
        );
        // Not-found stays synchronous for Ex actions.
        let unknown = [("peeringConnectionId", "pcx-zzzzzzzz")];
        assert_eq!(
            err_desc(call(
                &mut state,
                &b,
                "AcceptVpcPeeringConnectionEx",
                &unknown,
                T0
            )),
            "InvalidPeeringConnection.NotFound"
        );
        // The right side succeeds, and the effect is immediate.
        ok(call(
            &mut state,
            &b,
            "AcceptVpcPeeringConnectionEx",
            &pcx,
            T0,
        ));
        assert_eq!(peering_state(&mut state, &a, &id, T0), 1);
    }

    #[test]
    fn modify_renames_with_unique_names() {
        let mut state = State::default();
        let (a, b) = (caller(A, "gz"), caller(B, "gz"));
        let first = pending_pair(&mut state);
        let second = pending_pair_again(&mut state);
        let rename = |id: &str, name: &str| {
            [
                ("peeringConnectionId", id.to_owned()),
                ("peeringConnectionName", name.to_owned()),
            ]
        };
        let pairs = rename(&first, "renamed");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ok(call(
            &mut state,
            &b,
            "ModifyVpcPeeringConnection",
            &pairs,
            T0,
        ));
        let listed = ok(call(
            &mut state,
            &a,
            "DescribeVpcPeeringConnections",
            &[("peeringConnectionName", "renamed")],
            T0,
        ));
        assert_eq!(listed["totalCount"], 1);
        let pairs = rename(&second, "renamed");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            err_desc(call(
                &mut state,
                &a,
                "ModifyVpcPeeringConnectionEx",
                &pairs,
                T0
            )),
            "InvalidPeeringConnectionName.InUse"
        );
        // Too long a name is a parameter error (the spec says 1 to 60 characters).
        let long = "n".repeat(61);
        let pairs = rename(&second, &long);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let failure =
            call(&mut state, &a, "ModifyVpcPeeringConnection", &pairs, T0).expect_err("too long");
        assert_eq!(failure.code, 4000);
    }

    #[test]
    fn enabling_needs_both_vpcs() {
        let mut state = State::default();
        let (a, b) = (caller(A, "gz"), caller(B, "gz"));
        let id = pending_pair(&mut state);
        let later = T0 + 7 * DAY;
        assert_eq!(peering_state(&mut state, &a, &id, later), 2);
        ok(call(
            &mut state,
            &b,
            "DeleteVpc",
            &[("vpcId", "gz_vpc_3")],
            later,
        ));
        let pcx = [("peeringConnectionId", id.as_str())];
        assert_eq!(
            err_desc(call(
                &mut state,
                &a,
                "EnableVpcPeeringConnectionEx",
                &pcx,
                later
            )),
            "InvalidVpc.NotFound"
        );
        assert_eq!(peering_state(&mut state, &a, &id, later), 2);
    }

    #[test]
    fn describe_peerings_filters() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let first = pending_pair(&mut state);
        let second = pending_pair_again(&mut state);
        ok(call(
            &mut state,
            &caller(B, "gz"),
            "AcceptVpcPeeringConnection",
            &[("peeringConnectionId", &second)],
            T0,
        ));
        let ids = |state: &mut State, pairs: &[(&str, &str)]| -> (u64, Vec<String>) {
            let out = ok(call(state, &a, "DescribeVpcPeeringConnections", pairs, T0));
            let ids = out["data"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|v| v["peeringConnectionId"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (out["totalCount"].as_u64().unwrap_or(99), ids)
        };
        let both = vec![first.clone(), second.clone()];
        assert_eq!(ids(&mut state, &[]), (2, both.clone()));
        assert_eq!(ids(&mut state, &[("vpcId", "gz_vpc_3")]), (2, both.clone())); // receiver side matches too
        assert_eq!(
            ids(&mut state, &[("state", "1")]),
            (1, vec![second.clone()])
        );
        assert_eq!(
            ids(&mut state, &[("peeringConnectionName", "ab")]),
            (1, vec![first.clone()])
        );
        assert_eq!(
            ids(&mut state, &[("orderField", "peeringConnectionname")]),
            (2, vec![first.clone(), second.clone()])
        );
        assert_eq!(
            ids(
                &mut state,
                &[("orderField", "createTime"), ("orderDirection", "desc")]
            ),
            (2, vec![second.clone(), first.clone()])
        );
        assert_eq!(
            ids(&mut state, &[("limit", "1"), ("offset", "1")]),
            (2, vec![second])
        );
        let out = ok(call(
            &mut state,
            &a,
            "DescribeVpcPeeringConnections",
            &[("limit", "1")],
            T0,
        ));
        let item = &out["data"][0];
        assert_eq!(item["vpcId"], "gz_vpc_1");
        assert_eq!(item["peerVpcId"], "gz_vpc_3");
        assert_eq!(item["uniqVpcId"], item["unVpcId"]);
        assert!(
            item.get("bandwidth").is_none(),
            "same-region peerings have no bandwidth: {item}"
        );
    }
}
