/**
 * Liquidations: Binance's USDT-M forced orders, as the recorder keeps them, one Parquet file per UTC day
 * (`<dataDir>/liquidations/<YYYY-MM-DD>.parquet`) for every symbol. Events, not a grid: text columns
 * beside the numbers, so a day file has its own codec (src/store/liquidation-day.ts).
 */
/** The columns of a day file, in order: name, Binance field, type. */
export const LIQUIDATION_COLUMNS = [
  { name: 'time', field: 'T', type: 'timestamp' },
  { name: 'event_time', field: 'E', type: 'timestamp' },
  { name: 'symbol', field: 's', type: 'string' },
  { name: 'side', field: 'S', type: 'string' },
  { name: 'order_type', field: 'o', type: 'string' },
  { name: 'time_in_force', field: 'f', type: 'string' },
  { name: 'quantity', field: 'q', type: 'double' },
  { name: 'price', field: 'p', type: 'double' },
  { name: 'average_price', field: 'ap', type: 'double' },
  { name: 'status', field: 'X', type: 'string' },
  { name: 'last_filled', field: 'l', type: 'double' },
  { name: 'filled_accumulated', field: 'z', type: 'double' },
] as const;

