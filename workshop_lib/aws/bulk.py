"""Many people at once: read what exists once, then create the rest with bounded, throttling-aware concurrency.

``onboard`` lists Identity Center users, Connect users and the groups' memberships once (paginated, largest
pages), so a re-run writes nothing. What is missing is created by a small thread pool that shares one boto3
client per service: clients are thread-safe, and botocore's adaptive retry mode (see ``session.client_config``)
slows every worker down together when AWS throttles. At most three writes per person: the Identity Center
user, the Connect user and the group membership. The ledger is written in batches, never once per person,
and a row that fails is reported with its reason while the others carry on; re-running retries only those.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

from workshop_lib.aws.onboard_result import PARTS, WHAT, OnboardResult, PersonLike, RowFailure
from workshop_lib.aws.ownership import TAG_KEY
from workshop_lib.rules.chain import side_for
from workshop_lib.rules.usernames import unique_by_email
from workshop_lib.aws.paging import paginate
from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context
    from workshop_lib.settings import Settings

WORKERS = 6
LEDGER_BATCH = 1000  # ledger entries per settings write: at 1,000 people, three or four rewrites of the file
GROUP_DESCRIPTIONS = {"agent": "Amazon Connect agents", "admin": "Amazon Connect administrators"}


def onboard(
    ctx: "Context",
    people: Sequence[PersonLike],
    *,
    parts: Iterable[str] = PARTS,
    roles: Iterable[str] = (),
    workers: int = WORKERS,
    page_size: Optional[int] = None,
    dry_run: bool = False,
) -> OnboardResult:
    """Make sure each person has an Identity Center user, a Connect user and a place in their role's group.

    ``parts`` limits what is done (a chapter step does one part); ``roles`` names groups to ensure even when
    no person of that role is given; ``page_size`` forces smaller pages (tests). Never raises for one row:
    failures are in the result. Raises WorkshopError when the prerequisites (instance, Identity Center) are missing.
    """
    from workshop_lib.aws.session import CALLS

    parts = tuple(p for p in PARTS if p in set(parts))
    before = dict(CALLS.counts)
    started = time.perf_counter()
    job = _Job(ctx, list(people), parts, set(roles), page_size, dry_run)
    try:
        job.survey()
        if not dry_run:
            job.create(max(1, min(int(workers), 16)))
    finally:
        job.flush()
        result = job.result
        result.seconds = time.perf_counter() - started
        result.calls, result.writes = _calls_since(before)
    return result


def _calls_since(before: dict[tuple[str, str], int]) -> tuple[dict[str, int], int]:
    from workshop_lib.aws.session import CALLS

    made = CALLS.since(before)
    return made.by_name(), made.writes()


class _Job:
    """One onboarding run: the survey of what exists, the work list, the pool and the ledger batch."""

    def __init__(self, ctx: "Context", people: list, parts: tuple[str, ...], roles: set[str], page_size: Optional[int], dry_run: bool) -> None:
        self.ctx = ctx
        self.people = unique_by_email(people)
        self.parts = parts
        self.roles = roles | {p.role for p in self.people}
        self.page_size = page_size
        self.dry_run = dry_run
        self.result = OnboardResult(people=len(self.people), dry_run=dry_run)
        from workshop_lib.aws.ownership import owner_id

        owner_id(ctx)  # made and saved once, before the settings are read for the run
        self.settings: "Settings" = ctx.settings  # read once: each read parses the whole file
        self.ledger = {(e.kind, e.name) for e in self.settings.ledger}
        self.entries = {(e.kind, e.name): e for e in self.settings.ledger}
        self.adopted_groups: dict[str, str] = {}  # role -> name of a group used as it is: the workshop adds nobody to it
        self.records: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()
        self.store = ""
        self.idc_users: dict[str, str] = {}  # user name -> user ID
        self.connect_users: dict[str, dict] = {}  # username -> summary
        self.groups: dict[str, str] = {}  # role -> group ID
        self.members: dict[str, set[str]] = {}  # role -> user IDs in the group
        self.membership_ids: dict[str, dict[str, str]] = {}  # role -> user ID -> membership ID
        self.profiles: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self.routing_id = ""

    # ---- the survey: one listing of each kind ---------------------------------------------------
    def client(self, service: str) -> Any:
        from workshop_lib.aws.session import client

        return client(service, self.settings)

    def survey(self) -> None:
        from workshop_lib.aws.errors import explained

        s = self.settings
        if "connect" in self.parts:
            if not s.instance_id:
                raise WorkshopError("There is no Amazon Connect instance in the settings yet.", fix="Do chapter 01 first (or choose your instance in 00_start_here).")
            with explained("connect:ListUsers"):
                users = paginate(self.client("connect"), "list_users", "UserSummaryList", self.page_size, InstanceId=s.instance_id)
            self.connect_users = {u["Username"]: u for u in users}
        if "idc" in self.parts or "membership" in self.parts:
            from workshop_lib.aws.resources import require_idc_instance

            self.store = require_idc_instance(self.ctx)["IdentityStoreId"]
            with explained("identitystore:ListUsers"):
                users = paginate(self.client("identitystore"), "list_users", "Users", self.page_size, IdentityStoreId=self.store)
            self.idc_users = {u["UserName"]: u["UserId"] for u in users}
        if "membership" in self.parts:
            for role in sorted(self.roles):
                self._survey_group(role)
        self._plan()

    def _survey_group(self, role: str) -> None:
        """The role's group: ours (created by this settings file, or pending from an interrupted run), used as it is
        (adopted), or someone else's (NotOurs: groups carry no tags, so the ledger is the only proof)."""
        from workshop_lib.aws.errors import explained
        from workshop_lib.aws.ownership import NotOurs
        from workshop_lib.aws.resources import GROUP_DESCRIPTION_MARK

        name = self.settings.name(side_for(role).group_key)
        ids = self.client("identitystore")
        group_id = _group_id(ids, self.store, name)
        known = self.entries.get(("identitystore.group", name))
        if group_id is None:
            if self.dry_run:
                self.groups[role], self.members[role] = "", set()
                return
            self._remember("identitystore.group", name, origin="pending")
            self.flush()  # before the call: a group an interrupted run made is then recognised as ours
            try:
                with explained("identitystore:CreateGroup"):
                    group_id = ids.create_group(IdentityStoreId=self.store, DisplayName=name,
                                                Description=f"{GROUP_DESCRIPTIONS.get(role, 'Amazon Connect users')} {GROUP_DESCRIPTION_MARK}")["GroupId"]
            except WorkshopError as err:
                group_id = _group_id(ids, self.store, name) if err.code == "ConflictException" else None
                if group_id is None:  # not made by an earlier attempt whose answer was lost
                    raise
            self._remember("identitystore.group", name, id=group_id, origin="created")
            self.groups[role], self.members[role] = group_id, set()
            return
        if known is not None and known.ours and (known.origin == "pending" or known.id == group_id):
            self._remember("identitystore.group", name, id=group_id, origin="created")
        elif self.settings.is_adopted("identitystore.group", name):
            self._remember("identitystore.group", name, id=group_id, origin="adopted")
            self.adopted_groups[role] = name
        else:
            raise NotOurs("identitystore.group", name, "Identity Center groups carry no tags, and this workshop did not create it"
                          + (" (a group of that name was replaced since)" if known is not None and known.ours else ""))
        with explained("identitystore:ListGroupMemberships"):
            members = paginate(ids, "list_group_memberships", "GroupMemberships", self.page_size, IdentityStoreId=self.store, GroupId=group_id)
        self.groups[role] = group_id
        self.members[role] = {m["MemberId"]["UserId"] for m in members if "UserId" in (m.get("MemberId") or {})}
        # Memberships an interrupted run made but did not record: recognised in _plan by their pending entries.
        self.membership_ids[role] = {m["MemberId"]["UserId"]: m["MembershipId"] for m in members if "UserId" in (m.get("MemberId") or {})}

    def _origin(self, kind: str, name: str) -> str:
        """For something that exists but the ledger does not hold as made: ours only if a run of ours was making it."""
        known = self.entries.get((kind, name))
        return "created" if known is not None and known.origin == "pending" else "found"

    def _plan(self) -> None:
        """Count what is missing; adopt into the ledger what exists but the ledger does not know (as the steps always did)."""
        todo = self.result.to_create
        self.work = []
        for person in self.people:
            needs = []
            user_id = self.idc_users.get(person.email)
            if "idc" in self.parts:
                if user_id is None:
                    needs.append("idc")
                elif not self._settled("identitystore.user", person.email):
                    # Already there (an employee, another attendee's agent): used, never deleted by cleanup.
                    self._remember("identitystore.user", person.email, id=user_id, origin=self._origin("identitystore.user", person.email))
            if "connect" in self.parts:
                found = self.connect_users.get(person.email)
                if found is None:
                    needs.append("connect")
                elif not self._settled("connect.user", person.email):
                    self._remember("connect.user", person.email, id=found["Id"], arn=found.get("Arn", ""), origin=self._origin("connect.user", person.email))
            if "membership" in self.parts and (user_id is None or user_id not in self.members.get(person.role, set())):
                needs.append("membership")
            elif "membership" in self.parts:
                label = f"{self.settings.name(side_for(person.role).group_key)}/{person.email}"
                if not self._settled("identitystore.membership", label):
                    self._remember("identitystore.membership", label, id=self.membership_ids.get(person.role, {}).get(user_id, ""),
                                   group_id=self.groups.get(person.role, ""), user_id=user_id, origin=self._origin("identitystore.membership", label))
            if "membership" in needs and person.role in self.adopted_groups:
                needs.remove("membership")  # a group used as it is is never changed: the learner adds them
                self._fail(person, "membership", _add_yourself(self.adopted_groups[person.role], person.email))
            for part in needs:
                todo[part] += 1
                if not self.dry_run:  # recorded before the calls: what an interrupted run made is then known as ours
                    kind, name = _PENDING[part](self.settings, person)
                    if not self._settled(kind, name):
                        self._remember(kind, name, origin="pending")
            if needs:
                self.work.append((person, needs))
        self.flush()

    def _settled(self, kind: str, name: str) -> bool:
        """The ledger holds it with its final origin (not merely pending)."""
        known = self.entries.get((kind, name))
        return known is not None and known.origin != "pending"

    # ---- creation ----------------------------------------------------------------------------
    def create(self, workers: int) -> None:
        if not self.work:
            self.ctx.progress(1.0, f"All {len(self.people)} people already exist.")
            return
        if "connect" in self.parts and self.result.to_create["connect"]:
            self._load_profiles()
        clients = {svc: self.client(svc) for svc in ("identitystore", "connect") if self._uses(svc)}  # made here, used by every worker
        total = len(self.work)
        done = 0
        self.ctx.progress(0.0, f"Creating what is missing for {total} of {len(self.people)} people…")
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="onboard") as pool:
            futures = {pool.submit(self._one, clients, person, needs): person for person, needs in self.work}
            for future in as_completed(futures):
                person = futures[future]
                try:
                    future.result()
                except Exception as exc:  # noqa: BLE001 - _one reports its own failures; this is a bug guard
                    self._fail(person, "idc", exc)
                done += 1
                if len(self.records) >= LEDGER_BATCH:
                    self.flush()
                self.ctx.progress(done / total, f"{done} of {total} done ({person.email})")

    def _uses(self, service: str) -> bool:
        return service == "connect" and "connect" in self.parts or service == "identitystore" and ("idc" in self.parts or "membership" in self.parts)

    def _load_profiles(self) -> None:
        from workshop_lib.aws.errors import explained

        connect = self.client("connect")
        instance_id = self.settings.instance_id
        with explained("connect:ListSecurityProfiles"):
            security = {p["Name"]: p["Id"] for p in paginate(connect, "list_security_profiles", "SecurityProfileSummaryList", self.page_size, InstanceId=instance_id)}
        with explained("connect:ListRoutingProfiles"):
            routing = {p["Name"]: p["Id"] for p in paginate(connect, "list_routing_profiles", "RoutingProfileSummaryList", self.page_size, InstanceId=instance_id)}
        self.profiles = (security, routing)
        self.routing_id = routing.get("Basic Routing Profile") or next(iter(routing.values()), "")

    def _one(self, clients: dict[str, Any], person: PersonLike, needs: list[str]) -> None:
        """Everything missing for one person; each part's failure is recorded and the other parts go on."""
        user_id = self.idc_users.get(person.email)
        if "idc" in needs:
            try:
                user_id = self._create_idc_user(clients["identitystore"], person)
            except Exception as exc:  # noqa: BLE001 - reported per row
                self._fail(person, "idc", exc)
        if "connect" in needs:
            try:
                self._create_connect_user(clients["connect"], person)
            except Exception as exc:  # noqa: BLE001
                self._fail(person, "connect", exc)
        if "membership" in needs:
            if user_id is None:
                if "idc" not in needs:  # the idc failure above already explains it
                    self._fail(person, "membership", WorkshopError(f"{person.email} is not an Identity Center user yet.", fix="Run the Identity Center users step first."))
                return
            try:
                self._add_member(clients["identitystore"], person, user_id)
            except Exception as exc:  # noqa: BLE001
                self._fail(person, "membership", exc)

    def _create_idc_user(self, ids: Any, person: PersonLike) -> str:
        from workshop_lib.aws.errors import error_code

        try:
            user_id = ids.create_user(
                IdentityStoreId=self.store,
                UserName=person.email,
                DisplayName=f"{person.first} {person.last}",
                Name={"GivenName": person.first, "FamilyName": person.last},
                Emails=[{"Value": person.email, "Type": "work", "Primary": True}],
            )["UserId"]
        except Exception as exc:
            if error_code(exc) != "ConflictException":
                raise
            # Made by an earlier attempt whose answer was lost (it is pending in the ledger): ours.
            user_id = _user_id(ids, self.store, person.email)
            self._remember("identitystore.user", person.email, id=user_id, origin="created", recovered=True)
            return user_id
        self._count("idc")
        self._remember("identitystore.user", person.email, id=user_id, origin="created")
        return user_id

    def _create_connect_user(self, connect: Any, person: PersonLike) -> None:
        from workshop_lib.aws.errors import error_code
        from workshop_lib.errors import AwsError

        security, _routing = self.profiles
        profile = "Admin" if person.role == "admin" else "Agent"
        if profile not in security:
            raise AwsError(f"The instance has no security profile called {profile!r}.", fix="Check the instance in the Connect console; the default profiles are Admin, Agent, CallCenterManager and QualityAnalyst.")
        if not self.routing_id:
            raise AwsError("The instance has no routing profile.", fix="Open the Connect console once so it creates the Basic Routing Profile, then re-run.")
        try:
            created = connect.create_user(
                InstanceId=self.settings.instance_id,
                Username=person.email,
                IdentityInfo={"FirstName": person.first, "LastName": person.last},
                PhoneConfig={"PhoneType": "SOFT_PHONE"},
                SecurityProfileIds=[security[profile]],
                RoutingProfileId=self.routing_id,
                Tags={TAG_KEY: self.settings.owner_id},
            )
        except Exception as exc:
            if error_code(exc) != "DuplicateResourceException":
                raise
            # Made meanwhile (another run, or an earlier attempt whose answer was lost): adopt it now.
            users = paginate(connect, "list_users", "UserSummaryList", self.page_size, InstanceId=self.settings.instance_id)
            found = next((u for u in users if u["Username"] == person.email), None)
            if found is not None:
                self._remember("connect.user", person.email, id=found["Id"], arn=found.get("Arn", ""), origin="created", recovered=True)
            return
        self._count("connect")
        self._remember("connect.user", person.email, id=created["UserId"], arn=created.get("UserArn", ""), origin="created")

    def _add_member(self, ids: Any, person: PersonLike, user_id: str) -> None:
        from workshop_lib.aws.errors import error_code

        group_id = self.groups.get(person.role, "")
        try:
            membership = ids.create_group_membership(IdentityStoreId=self.store, GroupId=group_id, MemberId={"UserId": user_id})["MembershipId"]
        except Exception as exc:
            if error_code(exc) != "ConflictException":
                raise
            # Already a member (an earlier attempt whose answer was lost made it): adopt it now.
            members = paginate(ids, "list_group_memberships", "GroupMemberships", self.page_size, IdentityStoreId=self.store, GroupId=group_id)
            membership = next((m["MembershipId"] for m in members if (m.get("MemberId") or {}).get("UserId") == user_id), "")
            name = self.settings.name(side_for(person.role).group_key)
            self._remember("identitystore.membership", f"{name}/{person.email}", id=membership, group_id=group_id, user_id=user_id,
                           origin="created", recovered=True)
            return
        self._count("membership")
        name = self.settings.name(side_for(person.role).group_key)
        self._remember("identitystore.membership", f"{name}/{person.email}", id=membership, group_id=group_id, user_id=user_id, origin="created")

    # ---- bookkeeping -------------------------------------------------------------------------
    def _count(self, part: str) -> None:
        with self.lock:
            self.result.created[part] += 1

    def _fail(self, person: PersonLike, part: str, exc: BaseException) -> None:
        from workshop_lib.aws.errors import translate

        try:
            message = translate(exc, _ACTIONS[part]).message  # the row's reason; the retry advice is in the summary
        except Exception:  # noqa: BLE001 - botocore missing or an odd exception: say what it was
            message = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.result.failed.append(RowFailure(person.email, WHAT[part], message, getattr(person, "row", None)))

    def _remember(self, kind: str, name: str, **fields: Any) -> None:
        with self.lock:
            self.records.append((kind, name, fields))

    def flush(self) -> None:
        """Write the pending ledger entries in one settings update (the file is rewritten once per batch)."""
        with self.lock:
            batch, self.records = self.records, []
        if not batch:
            return
        with self.ctx.update() as s:
            self.entries.update(((kind, name), entry) for (kind, name, _), entry in zip(batch, s.record_many(batch)))
        self.ledger.update((kind, name) for kind, name, _ in batch)


_ACTIONS = {"idc": "identitystore:CreateUser", "connect": "connect:CreateUser", "membership": "identitystore:CreateGroupMembership"}
# The ledger entry each part makes, recorded as pending before its call.
_PENDING = {
    "idc": lambda s, p: ("identitystore.user", p.email),
    "connect": lambda s, p: ("connect.user", p.email),
    "membership": lambda s, p: ("identitystore.membership", f"{s.name(side_for(p.role).group_key)}/{p.email}"),
}


def _add_yourself(group: str, email: str) -> WorkshopError:
    from workshop_lib.aws.ownership import ChangeNeeded

    return ChangeNeeded("identitystore.group", group, f"{email} is not a member. In the IAM Identity Center console, open Groups → "
                        f"{group} → Add users, and add {email}.")


def _group_id(ids: Any, store: str, name: str) -> Optional[str]:
    from workshop_lib.aws.errors import error_code, explained

    try:
        return ids.get_group_id(IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}})["GroupId"]
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        with explained("identitystore:GetGroupId"):
            raise


def _user_id(ids: Any, store: str, user_name: str) -> str:
    return ids.get_user_id(IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": user_name}})["UserId"]
