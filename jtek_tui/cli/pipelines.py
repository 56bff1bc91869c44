"""`jtek pipeline …`"""

from __future__ import annotations

import click

from jtek_tui.cli.output import console, emit_json, say, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import pipelines as P


@click.group("pipeline")
def pipeline() -> None:
    """Pipelines and their stages."""


@pipeline.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_(state: State, as_json: bool) -> None:
    """List pipelines with their stages in order."""
    db = state.db()
    data = []
    for p in P.list_pipelines(db):
        stages = P.list_stages(db, p.id)
        data.append({
            "id": p.id, "name": p.name,
            "stages": [{"id": s.id, "name": s.name, "kind": s.kind, "probability": s.probability,
                        "rot_days": s.rot_days} for s in stages],
        })
    if as_json:
        emit_json(data)
        return
    for p in data:
        console.print(table(
            f"#{p['id']} {p['name']}",
            [("#", "right"), "Stage", "Kind", ("Probability", "right"), ("Rots after", "right")],
            ([s["id"], s["name"], s["kind"], f"{s['probability']}%",
              f"{s['rot_days']}d" if s["rot_days"] else "—"] for s in p["stages"]),
        ))


@pipeline.command("add")
@click.argument("name")
@click.option("--stage", "stages", multiple=True,
              help="An open stage, in order (repeatable; default: the standard sales stages).")
@pass_state
def add(state: State, name: str, stages: tuple[str, ...]) -> None:
    """Add a pipeline; Closed Won and Closed Lost stages are added for you."""
    p = P.create_pipeline(state.db(), name, list(stages) if stages else None)
    say(f"Added pipeline #{p.id} {p.name}.")


@pipeline.command("rename")
@click.argument("ref", metavar="PIPELINE")
@click.argument("name")
@pass_state
def rename(state: State, ref: str, name: str) -> None:
    """Rename a pipeline."""
    p = P.rename_pipeline(state.db(), ref, name)
    say(f"Renamed pipeline #{p.id} to {p.name}.")


@pipeline.command("stage-add")
@click.argument("ref", metavar="PIPELINE")
@click.argument("name")
@click.option("--after", help="Put it after this stage (default: after the last open stage).")
@click.option("--probability", type=click.IntRange(0, 100), default=0, help="Win probability in %.")
@click.option("--rot-days", type=click.IntRange(1, None), help="Flag deals idle longer than this.")
@pass_state
def stage_add(state: State, ref: str, name: str, after: str | None, probability: int, rot_days: int | None) -> None:
    """Add an open stage to a pipeline."""
    st = P.add_stage(state.db(), ref, name, after=after, probability=probability, rot_days=rot_days)
    say(f"Added stage #{st.id} {st.name}.")


@pipeline.command("stage-order")
@click.argument("ref", metavar="PIPELINE")
@click.argument("stages", nargs=-1, required=True)
@pass_state
def stage_order(state: State, ref: str, stages: tuple[str, ...]) -> None:
    """Put a pipeline's open stages in the given order."""
    P.reorder_stages(state.db(), ref, list(stages))
    say("Stages reordered.")


@pipeline.command("stage-delete")
@click.argument("ref", metavar="PIPELINE")
@click.argument("stage")
@pass_state
def stage_delete(state: State, ref: str, stage: str) -> None:
    """Delete an empty, never-used open stage."""
    db = state.db()
    with db.read() as s:
        st = P.find_stage(s, P.find_pipeline(s, ref).id, stage)
    P.delete_stage(db, st.id)
    say(f"Deleted stage {st.name}.")


COMMANDS = [pipeline]
