/**
 * The dashboard's charts (recharts, SVG): sessions over time by outcome, outcomes as a donut,
 * duration and start-delay percentiles, sessions by state. Colours come from the tokens.
 */
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  Legend,
  Line,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Percentiles, SessionStats } from '../api/index.js';
import type { SeriesBucket } from '../lib/index.js';
import { formatCount, formatDuration, formatPercent, SESSION_STATES, stateLabel } from '../lib/index.js';

const COLORS = {
  started: '#4f46e5',
  completed: '#1f9d4c',
  failed: '#dc2626',
  stopped: '#8a93a8',
  grid: '#e7eaf1',
  axis: '#525b70',
};

const STATE_COLORS: Record<string, string> = {
  created: '#a3a9b8',
  running: '#2f6fe4',
  waiting: '#d48806',
  completed: COLORS.completed,
  failed: COLORS.failed,
  stopped: COLORS.stopped,
  parked: '#9333ea',
};

const axisProps = {
  stroke: COLORS.axis,
  fontSize: 12,
  tickLine: false,
  axisLine: { stroke: COLORS.grid },
} as const;
const tooltipStyle = { borderRadius: 8, border: '1px solid #dfe3ec', fontSize: 13 } as const;

function tickTime(start: number, bucketMs: number): string {
  const date = new Date(start);
  if (bucketMs >= 86_400_000) return date.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' });
  if (bucketMs >= 6 * 3_600_000)
    return `${date.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' })} ${String(date.getHours()).padStart(2, '0')}h`;
  return date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}

export function SessionsOverTime({ series, bucketMs }: { series: SeriesBucket[]; bucketMs: number }) {
  return (
    <div
      role="img"
      aria-label="Sessions started, completed, failed and stopped over time"
      style={{ height: 280 }}
    >
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={series} margin={{ top: 8, right: 12, bottom: 0, left: -12 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis
            dataKey="start"
            tickFormatter={(v: number) => tickTime(v, bucketMs)}
            minTickGap={28}
            {...axisProps}
          />
          <YAxis allowDecimals={false} width={48} {...axisProps} />
          <Tooltip
            contentStyle={tooltipStyle}
            labelFormatter={(v) => tickTime(Number(v), Math.min(bucketMs, 3_600_000))}
            cursor={{ fill: 'rgb(79 70 229 / 6%)' }}
          />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 13 }} />
          <Bar
            dataKey="completed"
            name="Completed"
            stackId="ended"
            fill={COLORS.completed}
            isAnimationActive={false}
          />
          <Bar
            dataKey="failed"
            name="Failed"
            stackId="ended"
            fill={COLORS.failed}
            isAnimationActive={false}
          />
          <Bar
            dataKey="stopped"
            name="Stopped"
            stackId="ended"
            fill={COLORS.stopped}
            radius={[3, 3, 0, 0]}
            isAnimationActive={false}
          />
          <Line
            dataKey="started"
            name="Started"
            type="monotone"
            stroke={COLORS.started}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export function OutcomeDonut({ stats }: { stats: SessionStats }) {
  const data = (['completed', 'failed', 'stopped'] as const).map((state) => ({
    name: stateLabel(state),
    state,
    value: stats.byStatus[state] ?? 0,
  }));
  const ended = data.reduce((sum, d) => sum + d.value, 0);
  return (
    <div
      style={{ position: 'relative', height: 280 }}
      role="img"
      aria-label={`Success rate ${formatPercent(stats.successRate)}, failure rate ${formatPercent(stats.failureRate)}`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <PieChart>
          <Pie
            data={ended === 0 ? [{ name: 'none', state: 'none', value: 1 }] : data}
            dataKey="value"
            nameKey="name"
            innerRadius="62%"
            outerRadius="85%"
            paddingAngle={ended === 0 ? 0 : 2}
            stroke="none"
            isAnimationActive={false}
          >
            {(ended === 0 ? [{ state: 'none' }] : data).map((d) => (
              <Cell key={d.state} fill={ended === 0 ? COLORS.grid : (STATE_COLORS[d.state] ?? COLORS.grid)} />
            ))}
          </Pie>
          {ended > 0 && <Tooltip contentStyle={tooltipStyle} />}
          {ended > 0 && <Legend iconType="circle" wrapperStyle={{ fontSize: 13 }} />}
        </PieChart>
      </ResponsiveContainer>
      <div
        style={{
          position: 'absolute',
          inset: ended > 0 ? '0 0 36px 0' : 0,
          display: 'grid',
          placeItems: 'center',
          pointerEvents: 'none',
          textAlign: 'center',
        }}
      >
        <div>
          <div style={{ fontSize: 26, fontWeight: 700 }}>{formatPercent(stats.successRate)}</div>
          <div style={{ fontSize: 12, color: COLORS.axis }}>
            {ended === 0 ? 'no ended sessions' : 'succeeded'}
          </div>
        </div>
      </div>
    </div>
  );
}

export function PercentileBars({ duration, startDelay }: { duration: Percentiles; startDelay: Percentiles }) {
  const data = [
    { name: 'p50', duration: duration.p50, delay: startDelay.p50 },
    { name: 'p95', duration: duration.p95, delay: startDelay.p95 },
    { name: 'max', duration: duration.max, delay: startDelay.max },
  ];
  return (
    <div
      role="img"
      aria-label={`Duration p50 ${formatDuration(duration.p50)}, p95 ${formatDuration(duration.p95)}; start delay p50 ${formatDuration(startDelay.p50)}, p95 ${formatDuration(startDelay.p95)}`}
      style={{ height: 260 }}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 4 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis dataKey="name" {...axisProps} />
          <YAxis tickFormatter={(v: number) => formatDuration(v)} width={64} {...axisProps} />
          <Tooltip
            contentStyle={tooltipStyle}
            formatter={(v) => formatDuration(Number(v))}
            cursor={{ fill: 'rgb(79 70 229 / 6%)' }}
          />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 13 }} />
          <Bar
            dataKey="duration"
            name={`Duration (${formatCount(duration.count)} ended)`}
            fill={COLORS.started}
            radius={[3, 3, 0, 0]}
            isAnimationActive={false}
          />
          <Bar
            dataKey="delay"
            name={`Start delay (${formatCount(startDelay.count)})`}
            fill="#0ea5e9"
            radius={[3, 3, 0, 0]}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function StateBars({ byStatus }: { byStatus: SessionStats['byStatus'] }) {
  const data = SESSION_STATES.map((state) => ({
    state,
    label: stateLabel(state),
    count: byStatus[state] ?? 0,
  }));
  return (
    <div role="img" aria-label={data.map((d) => `${d.label} ${d.count}`).join(', ')} style={{ height: 260 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 24, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={COLORS.grid} horizontal={false} />
          <XAxis type="number" allowDecimals={false} {...axisProps} />
          <YAxis type="category" dataKey="label" width={84} {...axisProps} />
          <Tooltip contentStyle={tooltipStyle} cursor={{ fill: 'rgb(79 70 229 / 6%)' }} />
          <Bar dataKey="count" name="Sessions" radius={[0, 3, 3, 0]} isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.state} fill={STATE_COLORS[d.state] ?? COLORS.started} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
