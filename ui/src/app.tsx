import { useState } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { ApiRequestError } from './api/index.js';
import { AuthProvider, useAuth } from './auth/index.js';
import { Layout, ToastProvider } from './components/index.js';
import {
  Dashboard,
  EventDetail,
  Events,
  NotFound,
  ProjectDetail,
  Projects,
  SessionDetail,
  Sessions,
  SignIn,
} from './pages/index.js';

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; network errors and 5xx are retried twice.
        retry: (count, error) =>
          !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}

/** Pages behind sign-in: without a token, go to the sign-in page and come back after. */
function RequireAuth() {
  const { client } = useAuth();
  const location = useLocation();
  if (client === undefined)
    return <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  return <Outlet />;
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <ToastProvider>
          <BrowserRouter>
            <Routes>
              <Route path="/sign-in" element={<SignIn />} />
              <Route element={<RequireAuth />}>
                <Route element={<Layout />}>
                  <Route index element={<Dashboard />} />
                  <Route path="projects" element={<Projects />} />
                  <Route path="projects/:projectId" element={<ProjectDetail />} />
                  <Route path="sessions" element={<Sessions />} />
                  <Route path="sessions/:sessionId" element={<SessionDetail />} />
                  <Route path="events" element={<Events />} />
                  <Route path="events/:eventId" element={<EventDetail />} />
                  <Route path="*" element={<NotFound />} />
                </Route>
              </Route>
            </Routes>
          </BrowserRouter>
        </ToastProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
