import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../auth/index.js';
import { Logo } from './Logo.js';
import styles from './Layout.module.css';

const LINKS = [
  { to: '/', label: 'Dashboard', icon: '◔', end: true },
  { to: '/projects', label: 'Projects', icon: '▦', end: false },
  { to: '/sessions', label: 'Sessions', icon: '≡', end: false },
  { to: '/events', label: 'Events', icon: '↯', end: false },
];

/** The signed-in frame: navigation on the side (on top on narrow screens), the page in main. */
export function Layout() {
  const { signOut } = useAuth();
  return (
    <div className={styles.shell}>
      <a href="#main" className={styles.skip}>
        Skip to content
      </a>
      <nav className={styles.nav} aria-label="Main">
        <div className={styles.navInner}>
          <NavLink to="/" className={styles.brand}>
            <Logo />
            Whisker
          </NavLink>
          <ul className={styles.links}>
            {LINKS.map((link) => (
              <li key={link.to}>
                <NavLink
                  to={link.to}
                  end={link.end}
                  className={({ isActive }) => [styles.link, isActive ? styles.active : ''].join(' ')}
                >
                  <span className={styles.icon} aria-hidden="true">
                    {link.icon}
                  </span>
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
          <div className={styles.footer}>
            <a href="/docs" target="_blank" rel="noreferrer">
              API reference ↗
            </a>
            <button type="button" className={styles.signOut} onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </nav>
      <main id="main" className={styles.main} tabIndex={-1}>
        <div className={styles.content}>
          <Outlet />
        </div>
      </main>
    </div>
  );
}
