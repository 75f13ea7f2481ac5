# The start-time distributions per runtime (bench/run runs this in its output directory,
# where summarize.py wrote start-*.dat and start-plot.gp): the empirical CDF of each.
set terminal svg size 900,520 dynamic font "sans,11"
set output 'start-times.svg'
set title 'Start to exit of /bin/true: distribution per runtime (same run)'
set xlabel 'milliseconds'
set ylabel 'fraction of runs'
set logscale x
set key outside right
set grid
load 'start-plot.gp'
