"""The demo data (示例数据) and how they are made: generators that run the engine and score self-evaluations,
so they sit above `allocator.dataset` (which only reads, checks and stores tables) and above the engine.

  figures   the seeded Sichuan county figures of 2019 and 2020, calibrated to public anchors
  selfeval  demo 绩效自评 entries drawn around a year's allocation
  loop      the 2020 figures with the 2019 self-evaluation results joined (the performance loop's data)

`python -m allocator.demo` writes every generated file under allocator/data/sichuan/ in the source checkout;
the tests check that the shipped files are exactly what these functions give.
"""
