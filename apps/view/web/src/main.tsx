/** The web UI of `pylon view`: a shell (header, navigation, theme toggle) around four client-side pages. */
import "uplot/dist/uPlot.min.css";
import "./styles/theme.css";
import "./styles/base.css";
import "./styles/run.css";
import "./styles/subcalls.css";
import "./styles/charts.css";
import { render } from "preact";
import { api } from "./client.js";
import { MarketPage } from "./pages/Market.js";
import { NodePage } from "./pages/Node.js";
import { RunPage } from "./pages/Run.js";
import { RunsPage } from "./pages/Runs.js";
import { usePoll } from "./poll.js";
import { linkClick, type Route, useRoute } from "./router.js";
import { initTheme, toggleTheme, useTheme } from "./theme.js";

const loadInfo = (signal: AbortSignal) => api.info(signal);

function Nav({ route }: { route: Route }) {
  // Market and Node stay reachable, dimmed when this viewer has no relays or no node to show.
  const { data: info } = usePoll(loadInfo, null);
  const item = (href: string, label: string, active: boolean, has = true) => (
    <a
      href={href}
      onClick={linkClick}
      aria-current={active ? "page" : undefined}
      class={has ? "" : "dim"}
      title={has ? undefined : `This viewer has no ${label.toLowerCase()} to show`}
    >
      {label}
    </a>
  );
  return (
    <nav aria-label="Pages">
      {item("/", "Runs", route.page === "runs" || route.page === "run")}
      {item("/market", "Market", route.page === "market", info?.market ?? true)}
      {item("/node", "Node", route.page === "node", info?.node ?? true)}
    </nav>
  );
}

function App() {
  const route = useRoute();
  const theme = useTheme();
  return (
    <>
      <header class="top">
        <a class="brand" href="/" onClick={linkClick}>
          pylon view
        </a>
        <Nav route={route} />
        <button
          type="button"
          class="theme"
          onClick={toggleTheme}
          aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
        >
          {theme === "dark" ? "☀ Light" : "☾ Dark"}
        </button>
      </header>
      <main>
        {route.page === "runs" && <RunsPage />}
        {route.page === "run" && <RunPage key={route.id} id={route.id} />}
        {route.page === "market" && <MarketPage />}
        {route.page === "node" && <NodePage />}
        {route.page === "missing" && <p class="notice">No page at {route.path}.</p>}
      </main>
    </>
  );
}

initTheme();
const root = document.getElementById("app");
if (root) render(<App />, root);
