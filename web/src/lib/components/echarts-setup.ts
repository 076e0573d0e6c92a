/** ECharts from npm, bundled with the app (no CDN), with only the parts the dashboard draws. */
import { BarChart, LineChart, PieChart, SankeyChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, DatasetComponent, CanvasRenderer]);
// Paths view
echarts.use([SankeyChart]);

export { echarts };
export type { EChartsCoreOption as ChartOption } from 'echarts/core';
