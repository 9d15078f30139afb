"""The scorecard's stylesheet (inlined in the page): system fonts, tabular figures, the charts'
colours from pipelines.report.charts, and a print layout (A4/Letter landscape, no backgrounds lost)."""

from pipelines.report.charts import GRID_COLOR, PACE_COLOR, REF_COLOR, TEXT_COLOR, TONES, TRACK_COLOR

_TONES = "\n".join(
    f"svg .{tone}, svg.swatch .{tone} {{ fill: {colour}; }}\nsvg .{tone}-tip {{ fill: {colour}; }}"
    for tone, colour in TONES.items()
)

CSS = f"""
:root {{
  --ink: #1c2630; --muted: {TEXT_COLOR}; --line: #dde2e8; --panel: #f6f8fa; --accent: {TONES["act"]};
  --behind: {TONES["worse"]}; --good: {TONES["better"]};
}}
* {{ box-sizing: border-box; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{
  margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
}}
main {{ max-width: 1200px; margin: 0 auto; padding: 28px 32px 40px; }}
h1 {{ font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }}
h2 {{ font-size: 19px; margin: 0 0 4px; }}
h3 {{ font-size: 15px; margin: 18px 0 6px; }}
p {{ margin: 4px 0 10px; }}
.lede {{ color: var(--muted); margin: 0 0 14px; max-width: 920px; }}
header.top {{ border-bottom: 3px solid var(--ink); padding-bottom: 14px; margin-bottom: 22px; }}
.facts {{ display: flex; flex-wrap: wrap; gap: 6px 22px; color: var(--muted); font-size: 13px;
  margin-top: 6px; }}
.facts b {{ color: var(--ink); font-weight: 600; }}
.fresh {{ font-size: 13px; color: var(--muted); margin-top: 6px; }}
.fresh .warn {{ color: var(--behind); font-weight: 600; }}
section {{ margin: 0 0 34px; break-inside: auto; }}
section > header {{ margin-bottom: 10px; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 10px 0 14px; }}
.tile {{ background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
  min-width: 150px; }}
.tile .big {{ font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }}
.tile .small {{ font-size: 12px; color: var(--muted); }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }}
th, td {{ padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }}
thead th {{ font-size: 12px; line-height: 1.25; color: var(--muted); font-weight: 600;
  border-bottom: 2px solid var(--line); vertical-align: bottom; }}
td.num {{ text-align: right; white-space: nowrap; }}
th.num {{ text-align: right; }}
td.rep {{ font-weight: 600; min-width: 150px; max-width: 230px; overflow-wrap: break-word; }}
td.rep .id {{ display: block; font-weight: 400; font-size: 11px; color: var(--muted);
  word-break: break-all; }}
tr.team td {{ background: var(--panel); font-weight: 600; }}
.cell {{ display: flex; align-items: flex-end; gap: 8px; }}
.cell .fig {{ font-size: 12px; line-height: 1.2; white-space: nowrap; }}
.cell .fig .sub {{ display: block; color: var(--muted); }}
.cell.stack {{ flex-direction: column; align-items: flex-start; gap: 3px; }}
.cell.stack .fig .sub {{ display: inline; margin-left: 4px; }}
.grid td {{ padding: 4px 6px; }}
.status {{ display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  white-space: nowrap; border: 1px solid currentColor; }}
.status.behind {{ color: var(--behind); }}
.status.on-pace, .status.done {{ color: var(--good); }}
.status.unknown {{ color: var(--muted); }}
.note {{ color: var(--muted); font-size: 12.5px; }}
.verdict {{ font-size: 15px; font-weight: 600; margin: 6px 0 10px; }}
table.coach td, table.practices td {{ vertical-align: top; }}
.empty {{ background: var(--panel); border: 1px dashed #b9c2cc; border-radius: 8px; padding: 14px 16px;
  color: var(--muted); }}
.legend {{ display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted);
  margin: 6px 0; }}
.legend span {{ display: inline-flex; align-items: center; gap: 5px; }}
.panels {{ display: flex; flex-wrap: wrap; gap: 16px 28px; }}
.panel h3 {{ margin-top: 4px; }}
svg {{ overflow: visible; }}
svg.chart {{ display: block; }}
svg text {{ font-family: inherit; fill: var(--muted); }}
svg text.tick {{ font-size: 11px; }}
svg text.strong {{ fill: var(--ink); font-weight: 600; }}
svg text.value {{ font-size: 11px; fill: var(--ink); }}
svg .axis {{ stroke: #9aa5b1; stroke-width: 1; fill: none; }}
svg .grid {{ stroke: {GRID_COLOR}; stroke-width: 1; fill: none; }}
svg .track {{ fill: {TRACK_COLOR}; }}
svg .ref {{ stroke: {REF_COLOR}; stroke-width: 2; fill: none; }}
svg .ref.thick {{ stroke-width: 2.5; }}
svg .pace {{ stroke: {PACE_COLOR}; stroke-width: 2; stroke-dasharray: 3 2; fill: none; }}
svg.swatch {{ display: inline-block; vertical-align: middle; }}
{_TONES}
footer {{ border-top: 1px solid var(--line); padding-top: 12px; color: var(--muted); font-size: 12.5px; }}
@media print {{
  @page {{ size: landscape; margin: 12mm; }}
  body {{ font-size: 11px; }}
  main {{ max-width: none; padding: 0; }}
  section {{ break-before: auto; }}
  tr, .tile, svg {{ break-inside: avoid; }}
  h2, h3 {{ break-after: avoid; }}
}}
"""
