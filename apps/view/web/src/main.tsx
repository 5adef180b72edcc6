/** The web UI of `pylon view`: a shell (header, navigation, theme toggle) around four client-side pages. */
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render } from "preact";
import { MarketPage } from "./pages/Market.js";
import { NodePage } from "./pages/Node.js";
import { RunPage } from "./pages/Run.js";
import { RunsPage } from "./pages/Runs.js";
import { linkClick, type Route, useRoute } from "./router.js";
import { initTheme, toggleTheme, useTheme } from "./theme.js";

function Nav({ route }: { route: Route }) {
  const item = (href: string, label: string, active: boolean) => (
    <a href={href} onClick={linkClick} aria-current={active ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <nav aria-label="Pages">
      {item("/", "Runs", route.page === "runs" || route.page === "run")}
      {item("/market", "Market", route.page === "market")}
      {item("/node", "Node", route.page === "node")}
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
