"""Attribution: which pair each activity counts on, and why.

- `chooser`: the choice itself — the runner's word first, then the first matching rule, then the
  sport's default pair, among the pairs in use that day.
- `rules`: the runner's rules (sport, device, path glob, weekday, distance) as stored.
- `inbox`: the runs no rule or default could place, each with a suggestion, and the assignments
  made from it.
- `suggest`: suggestions learned from the runner's own past choices.
- `reassign`: works the automatic choices out again after pairs or rules changed.
"""
