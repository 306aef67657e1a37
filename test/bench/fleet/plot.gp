# The fleet figure of test/bench/README.md: time per task-host and the
# controller's peak memory against the fleet's size, from results.csv (the
# runs of 2026-12-07 at 042c5e9 with the fleet's hosts parsing hapb's
# marked lines once and the floor sending them: hapb and the floor measured
# in turn, the medians of the rounds; the collector following the heap)
# and results-f81d23b.csv (the runs of 2026-12-06 late evening at f81d23b)
# (one line per TestFleet run with -fleet.csv; columns as fleet_test.go
# writes them). Reproduce: see "Fleet at 100, 1,000 and 5,000 hosts" there,
# then `gnuplot plot.gp` in this directory (Debian's gnuplot-nox).
set datafile separator ","
set terminal pngcairo size 1500,460 font "sans,10" noenhanced
set output "fleet.png"
set multiplot layout 1,3 title "hapb on simulated hosts: the worker path (11 tasks), forks 50, strict host keys; 2 cores, shared"
set logscale x
set xrange [70:7000]
set xtics ("100" 100, "1,000" 1000, "5,000" 5000)
set xlabel "hosts"
set grid
set key bottom left

per(w) = w * 1e6 / ($2 * $3)
set ylabel "wall time per task-host (µs), mean of the runs' medians"
set yrange [0:*]
plot "results.csv" using 2:(per($6)) smooth unique with linespoints lw 2 pt 7 lc rgb "#c03030" title "hapb, first run", \
     ""            using 2:(per($7)) smooth unique with linespoints lw 1 pt 6 dt 2 lc rgb "#c03030" title "floor, first run", \
     ""            using 2:(per($12)) smooth unique with linespoints lw 2 pt 5 lc rgb "#3050c0" title "hapb, second run", \
     ""            using 2:(per($13)) smooth unique with linespoints lw 1 pt 4 dt 2 lc rgb "#3050c0" title "floor, second run"

set key bottom right
set ylabel "controller CPU per task-host (µs), mean of the runs"
set yrange [0:*]
plot "results.csv" using 2:11 smooth unique with linespoints lw 2 pt 7 lc rgb "#c03030" title "hapb, first run", \
     ""            using 2:17 smooth unique with linespoints lw 2 pt 5 lc rgb "#3050c0" title "hapb, second run", \
     "results-f81d23b.csv" using 2:11 smooth unique with linespoints lw 1 pt 6 dt 3 lc rgb "#c03030" title "first run (f81d23b)", \
     ""            using 2:17 smooth unique with linespoints lw 1 pt 4 dt 3 lc rgb "#3050c0" title "second run (f81d23b)"

set key top left
set ylabel "controller peak RSS (MB), servers apart"
set yrange [0:700]
plot "results.csv" using 2:18 smooth unique with linespoints lw 2 pt 7 lc rgb "#208040" title "hapb controller (VmHWM)", \
     "results-f81d23b.csv" using 2:18 smooth unique with linespoints lw 1 pt 6 dt 3 lc rgb "#208040" title "f81d23b", \
     400 with lines dt 3 lc rgb "black" title "target 400 MB"
unset multiplot
