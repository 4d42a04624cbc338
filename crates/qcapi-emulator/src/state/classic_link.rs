//! Classic links: classic-network CVMs linked to a VPC. CVMs are not modelled
//! yet, so any well-formed instance id is taken as an existing CVM; a CVM links
//! to one VPC of its account and region at a time. Attach and detach are
//! asynchronous: the change is immediate, and the returned task succeeds.

use serde::{Deserialize, Serialize};

use qcapi_core::vpc::*;

use super::table::{Handlers, Listed, Listing, Model, Now};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(AttachClassicLinkVpc::run)
        .add(DetachClassicLinkVpc::run)
        .listing("classicLinks", || {
            DescribeVpcClassicLink::new().limit(i64::MAX)
        });
}

/// DescribeVpcLimit type of the CVMs a VPC may link (by default 100, the emulator's choice).
const PER_VPC: &str = "22";

/// A CVM linked to its VPC: the head's name is the instance id, its id the link's `vcx-…`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ClassicLink {
    pub(super) head: Head,
}

table::resource! {
    ClassicLink "classic link" in classic_links,
    InvalidInstanceNotFound, InvalidInstanceNotFound, InstanceAlreadyLinked
}

/// Whether `id` looks like a CVM id: `ins-` and 8 lowercase letters or digits.
fn well_formed(id: &str) -> bool {
    let suffix = id.strip_prefix("ins-").unwrap_or_default();
    suffix.len() == 8
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Model for AttachClassicLinkVpc {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        for (i, id) in r.instance_ids.iter().enumerate() {
            if !well_formed(id) {
                let message = format!("`{id}` is not a CVM id (`ins-` and 8 letters or digits)");
                return Err(Failure::business(
                    ErrorCode::InvalidInstanceNotFound,
                    message,
                ));
            }
            let linked = |l: &ClassicLink| l.head.name == *id;
            let holder = state
                .vpcs_of(caller)
                .find(|v| v.classic_links.iter().any(linked));
            let to = match holder {
                Some(vpc) => vpc.head.un_id.as_str(),
                None if r.instance_ids[..i].contains(id) => "this request's VPC",
                None => continue,
            };
            let message = format!("CVM `{id}` is already linked to {to}");
            return Err(Failure::business(ErrorCode::InstanceAlreadyLinked, message));
        }
        let held = state.vpcs[v].classic_links.len();
        let quota = state.quota(PER_VPC);
        if held + r.instance_ids.len() > quota {
            let message = format!("VPC `{}` links {held} CVMs, at most {quota}", r.vpc_id);
            return Err(Failure::business(ErrorCode::InstanceLimitExceeded, message));
        }
        for id in r.instance_ids {
            let head = state.head("vcx", None, id, now);
            state.vpcs[v].classic_links.push(ClassicLink { head });
        }
        Ok(AttachClassicLinkVpcOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

impl Model for DetachClassicLinkVpc {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let links = &mut state.vpcs[v].classic_links;
        if let Some(id) =
            (r.instance_ids.iter()).find(|id| !links.iter().any(|l| l.head.name == **id))
        {
            let message = format!("CVM `{id}` is not linked to VPC `{}`", r.vpc_id);
            return Err(Failure::business(
                ErrorCode::InvalidInstanceNotFound,
                message,
            ));
        }
        links.retain(|l| !r.instance_ids.contains(&l.head.name));
        Ok(DetachClassicLinkVpcOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

impl Listed for DescribeVpcClassicLink {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        if let Some(ip) = &r.lan_ip {
            let message = format!("no CVM has the private IP `{ip}` (CVMs are not modelled yet)");
            return Err(Failure::business(ErrorCode::InvalidLanIpNotFound, message));
        }
        let found = state.children::<ClassicLink>(caller, r.vpc_id.as_deref())?;
        let listing = Listing {
            id: r.classic_link_id.as_deref(),
            // The documented default direction is descending.
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(r)
        };
        let (total, page) = listing.page(found, |(_, l)| *l);
        let data = page.into_iter().map(|(v, l)| DescribeVpcClassicLinkData {
            classic_link_id: Some(l.head.id.clone()),
            vpc_id: Some(v.head.id.clone()),
            un_vpc_id: Some(v.head.un_id.clone()),
            uniq_vpc_id: Some(v.head.un_id.clone()),
            lan_ip: Some(String::new()),
            instance_id: Some(l.head.name.clone()),
            instance_name: Some(String::new()),
            create_time: Some(format_datetime(l.head.created)),
        });
        Ok(DescribeVpcClassicLinkOutput {
            total_count: Some(total),
            data: Some(data.collect()),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// Runs `action` (attach or detach) for A on `vpc` with `instances`: "ok" or the codeDesc.
    fn link(state: &mut State, action: &str, vpc: &str, instances: &[&str]) -> String {
        let keys: Vec<String> = (0..instances.len())
            .map(|i| format!("instanceIds.{i}"))
            .collect();
        let mut pairs = vec![("vpcId", vpc)];
        pairs.extend(
            keys.iter()
                .map(String::as_str)
                .zip(instances.iter().copied()),
        );
        outcome(state, action, &pairs)
    }

    /// The instances DescribeVpcClassicLink lists for A with `pairs`, and the total.
    fn linked(state: &mut State, pairs: &[(&str, &str)]) -> (i64, Vec<String>) {
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "DescribeVpcClassicLink",
            pairs,
            T0,
        ));
        let data = out["data"].as_array().expect("a list");
        let ids = data
            .iter()
            .map(|l| l["instanceId"].as_str().expect("an id").to_owned());
        (out["totalCount"].as_i64().expect("a total"), ids.collect())
    }

    #[test]
    fn classic_link_rules() {
        let mut state = State::default();
        let one = create_vpc(&mut state, &caller(A, "gz"), "one", "10.0.0.0/16");
        let two = create_vpc(&mut state, &caller(A, "gz"), "two", "10.1.0.0/16");
        // The same instance id in another account or region is another CVM.
        let b = create_vpc(&mut state, &caller(B, "gz"), "b", "10.2.0.0/16");
        let pairs = [("vpcId", b.as_str()), ("instanceIds.0", "ins-aaaaaaaa")];
        ok(call(
            &mut state,
            &caller(B, "gz"),
            "AttachClassicLinkVpc",
            &pairs,
            T0,
        ));
        let cases: &[(&str, &str, &[&str], &str)] = &[
            (
                "AttachClassicLinkVpc",
                &one,
                &["ins-aaaaaaaa", "ins-0000000b"],
                "ok",
            ),
            (
                "AttachClassicLinkVpc",
                &one,
                &["ins-aaaaaaaa"],
                "InstanceAlreadyLinked",
            ),
            (
                "AttachClassicLinkVpc",
                &two,
                &["ins-cccccccc", "ins-0000000b"],
                "InstanceAlreadyLinked",
            ),
            (
                "AttachClassicLinkVpc",
                &two,
                &["ins-dddddddd", "ins-dddddddd"],
                "InstanceAlreadyLinked",
            ),
            (
                "AttachClassicLinkVpc",
                &two,
                &["ins-DDDDDDDD"],
                "InvalidInstance.NotFound",
            ),
            (
                "AttachClassicLinkVpc",
                &two,
                &["ins-ddddddd"],
                "InvalidInstance.NotFound",
            ),
            (
                "AttachClassicLinkVpc",
                &two,
                &["cvm-dddddddd"],
                "InvalidInstance.NotFound",
            ),
            (
                "AttachClassicLinkVpc",
                "vpc-none",
                &["ins-dddddddd"],
                "InvalidVpc.NotFound",
            ),
            (
                "AttachClassicLinkVpc",
                &b,
                &["ins-dddddddd"],
                "InvalidVpc.NotFound",
            ),
            ("AttachClassicLinkVpc", "gz_vpc_3", &["ins-cccccccc"], "ok"),
            (
                "DetachClassicLinkVpc",
                &two,
                &["ins-cccccccc", "ins-aaaaaaaa"],
                "InvalidInstance.NotFound",
            ),
            (
                "DetachClassicLinkVpc",
                &one,
                &["ins-cccccccc"],
                "InvalidInstance.NotFound",
            ),
            (
                "DetachClassicLinkVpc",
                "vpc-none",
                &["ins-cccccccc"],
                "InvalidVpc.NotFound",
            ),
            ("DetachClassicLinkVpc", &one, &["ins-aaaaaaaa"], "ok"),
            (
                "DetachClassicLinkVpc",
                &one,
                &["ins-aaaaaaaa"],
                "InvalidInstance.NotFound",
            ),
            // Detached, it may link elsewhere.
            ("AttachClassicLinkVpc", &two, &["ins-aaaaaaaa"], "ok"),
        ];
        for &(action, vpc, instances, expected) in cases {
            assert_eq!(
                link(&mut state, action, vpc, instances),
                expected,
                "{action} {vpc} {instances:?}"
            );
        }
        let all = |ids: &[&str]| ids.iter().map(|i| (*i).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            linked(&mut state, &[("vpcId", &one)]),
            (1, all(&["ins-0000000b"]))
        );
        assert_eq!(
            linked(&mut state, &[("vpcId", &two)]),
            (2, all(&["ins-aaaaaaaa", "ins-cccccccc"]))
        );
        assert_eq!(
            linked(&mut state, &[("orderDirection", "asc")]).1,
            all(&["ins-0000000b", "ins-cccccccc", "ins-aaaaaaaa"])
        );
        assert_eq!(
            linked(&mut state, &[("limit", "1"), ("offset", "1")]),
            (3, all(&["ins-cccccccc"]))
        );

        // The quota: 100 CVMs a VPC.
        let many: Vec<String> = (0..99).map(|i| format!("ins-{i:08}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(link(&mut state, "AttachClassicLinkVpc", &one, &many), "ok");
        assert_eq!(
            link(&mut state, "AttachClassicLinkVpc", &one, &["ins-zzzzzzzz"]),
            "InstanceLimitExceeded"
        );
        assert_eq!(
            Failure::business_name("InstanceLimitExceeded", "m").code,
            5100
        );
    }

    #[test]
    fn links_are_described_and_block_vpc_deletion() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let pairs = [("vpcId", vpc.as_str()), ("instanceIds.0", "ins-5d8a23rs")];
        let out = ok(call(&mut state, &a, "AttachClassicLinkVpc", &pairs, T0 + 5));
        let task = out["taskId"].to_string();
        let poll = |state: &mut State| {
            ok(call(
                state,
                &a,
                "DescribeVpcTaskResult",
                &[("taskId", &task)],
                T0,
            ))["data"]["status"]
                .clone()
        };
        assert_eq!((poll(&mut state), poll(&mut state)), (json!(2), json!(0)));

        let out = ok(call(&mut state, &a, "DescribeVpcClassicLink", &[], T0));
        let item = &out["data"][0];
        let id = item["classicLinkId"].as_str().expect("an id");
        assert!(id.starts_with("vcx-") && id.len() == 12, "{id}");
        let expected = json!({
            "classicLinkId": id, "vpcId": "gz_vpc_1", "unVpcId": vpc, "uniqVpcId": vpc,
            "lanIp": "", "instanceId": "ins-5d8a23rs", "instanceName": "",
            "createTime": "2023-11-14 22:13:25",
        });
        assert_eq!(item, &expected);
        assert_eq!(linked(&mut state, &[("classicLinkId", id)]).0, 1);
        assert_eq!(linked(&mut state, &[("classicLinkId", "vcx-none")]).0, 0);
        assert_eq!(dump(&state, &a)["classicLinks"], out["data"]);
        assert_eq!(
            outcome(
                &mut state,
                "DescribeVpcClassicLink",
                &[("lanIp", "10.0.0.1")]
            ),
            "InvalidLanIp.NotFound"
        );
        assert_eq!(
            outcome(
                &mut state,
                "DescribeVpcClassicLink",
                &[("vpcId", "vpc-none")]
            ),
            "InvalidVpc.NotFound"
        );
        let count = |state: &mut State| {
            ok(call(state, &a, "DescribeVpcEx", &[], T0))["data"][0]["classicLinkNum"].clone()
        };
        assert_eq!(count(&mut state), 1);

        let failure =
            call(&mut state, &a, "DeleteVpc", &[("vpcId", &vpc)], T0).expect_err("linked");
        assert_eq!(
            (failure.code, failure.code_desc.as_str()),
            (5100, "InvalidVpc.CannotDelete")
        );
        assert!(
            failure.message.contains("ins-5d8a23rs"),
            "{}",
            failure.message
        );
        assert_eq!(
            link(&mut state, "DetachClassicLinkVpc", &vpc, &["ins-5d8a23rs"]),
            "ok"
        );
        assert_eq!(count(&mut state), 0);
        assert_eq!(outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]), "ok");
    }
}
