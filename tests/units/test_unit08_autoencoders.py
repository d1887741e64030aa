"""Unit 8 graded both ways: the contract tests plus unit-specific wrong and right answers."""
from ..support import make_submission, scores_under_ids
from .unit_contract import *  # noqa: F401,F403
from .unit_contract import SUBMISSION_IDS

UNIT = "unit08_autoencoders"

AE_TEMPLATE = """
    class Autoencoder(nn.Module):
        def __init__(self, input_dim, code_dim, hidden_dim=32):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(),
                                         nn.Linear(hidden_dim, code_dim){enc})
            self.decoder = nn.Sequential(nn.Linear(code_dim, hidden_dim){dec}, nn.Linear(hidden_dim, input_dim))

        def encode(self, x):
            return self.encoder(x)

        def decode(self, code):
            return self.decoder(code)

        def forward(self, x):
            return self.decode(self.encode(x))
"""

VAE_TEMPLATE = """
    class VAE(nn.Module):
        def __init__(self, input_dim, latent_dim, hidden_dim=32):
            super().__init__()
            self.hidden = nn.Linear(input_dim, hidden_dim)
            self.mu = nn.Linear(hidden_dim, latent_dim)
            self.logvar = nn.Linear(hidden_dim, latent_dim)
            self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, input_dim))

        def encode(self, x):
            h = torch.relu(self.hidden(x))
            return self.mu(h), {logvar}

        def decode(self, z):
            return self.decoder(z)

        def forward(self, x, eps):
            mu, logvar = self.encode(x)
            return self.decode({z}), mu, logvar
"""

TRAIN = """
    def train_autoencoder(model, X, n_steps=500, lr=1e-2):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        losses = []
        for _ in range(n_steps):
            loss = reconstruction_loss(X, model(X))
            {zero}
            loss.backward()
            optimizer.step()
            losses.append(float({record}))
        return losses
"""

MUTANTS = {
    "autoencoder decoder without its ReLU": ("autoencoder.Autoencoder", AE_TEMPLATE.format(enc="", dec="")),
    "autoencoder code passed through a ReLU": ("autoencoder.Autoencoder", AE_TEMPLATE.format(enc=", nn.ReLU()",
                                                                                              dec=", nn.ReLU()")),
    "linear autoencoder with a ReLU in the middle": ("autoencoder.LinearAutoencoder", """
        class LinearAutoencoder(nn.Module):
            def __init__(self, input_dim, code_dim):
                super().__init__()
                self.encoder = nn.Linear(input_dim, code_dim)
                self.decoder = nn.Linear(code_dim, input_dim)

            def forward(self, x):
                return self.decoder(torch.relu(self.encoder(x)))
    """),
    "reconstruction loss averaged over features too (mse_loss)": ("autoencoder.reconstruction_loss", """
        def reconstruction_loss(x, x_hat):
            return torch.nn.functional.mse_loss(x_hat, x)
    """),
    "reconstruction loss summed over the batch": ("autoencoder.reconstruction_loss", """
        def reconstruction_loss(x, x_hat):
            return ((x - x_hat) ** 2).sum()
    """),
    "training without zeroing gradients": ("autoencoder.train_autoencoder",
                                           TRAIN.format(zero="pass", record="loss.item()")),
    "training records the loss after the update": ("autoencoder.train_autoencoder", """
        def train_autoencoder(model, X, n_steps=500, lr=1e-2):
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
            losses = []
            for _ in range(n_steps):
                loss = reconstruction_loss(X, model(X))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    losses.append(float(reconstruction_loss(X, model(X))))
            return losses
    """),
    "training with SGD instead of Adam": ("autoencoder.train_autoencoder", """
        def train_autoencoder(model, X, n_steps=500, lr=1e-2):
            optimizer = torch.optim.SGD(model.parameters(), lr=lr)
            losses = []
            for _ in range(n_steps):
                loss = reconstruction_loss(X, model(X))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            return losses
    """),
    "PCA with the unbiased covariance": ("pca.pca_fit", """
        def pca_fit(X, k):
            mean = X.mean(axis=0)
            values, vectors = np.linalg.eigh(np.cov(X.T))
            order = np.argsort(values)[::-1]
            return mean, vectors[:, order[:k]].T.copy(), values[order]
    """),
    "PCA keeps the smallest components": ("pca.pca_fit", """
        def pca_fit(X, k):
            mean = X.mean(axis=0)
            values, vectors = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
            return mean, vectors[:, :k].T.copy(), values[::-1]
    """),
    "PCA without centering": ("pca.pca_fit", """
        def pca_fit(X, k):
            values, vectors = np.linalg.eigh(X.T @ X / len(X))
            order = np.argsort(values)[::-1]
            return X.mean(axis=0), vectors[:, order[:k]].T.copy(), values[order]
    """),
    "PCA transform forgets the mean": ("pca.pca_transform", """
        def pca_transform(X, mean, components):
            return X @ components.T
    """),
    "reconstruction error averaged over entries": ("pca.reconstruction_error", """
        def reconstruction_error(X, X_hat):
            return float(np.mean((X - X_hat) ** 2))
    """),
    "reparameterization with the variance instead of the std": ("vae.reparameterize", """
        def reparameterize(mu, logvar, eps):
            return mu + torch.exp(logvar) * eps
    """),
    "KL averaged over latent dimensions": ("vae.kl_divergence", """
        def kl_divergence(mu, logvar):
            return 0.5 * (torch.exp(logvar) + mu ** 2 - 1 - logvar).mean(dim=1)
    """),
    "KL with the log-variance term's sign flipped": ("vae.kl_divergence", """
        def kl_divergence(mu, logvar):
            return 0.5 * (torch.exp(logvar) + mu ** 2 - 1 + logvar).sum(dim=1)
    """),
    "ELBO without the 1/2 on the reconstruction term": ("vae.elbo_loss", """
        def elbo_loss(x, x_hat, mu, logvar):
            return (((x - x_hat) ** 2).sum(dim=1) + kl_divergence(mu, logvar)).mean()
    """),
    "ELBO summed over the batch": ("vae.elbo_loss", """
        def elbo_loss(x, x_hat, mu, logvar):
            return (0.5 * ((x - x_hat) ** 2).sum(dim=1) + kl_divergence(mu, logvar)).sum()
    """),
    "VAE returns mu as the log-variance": ("vae.VAE", VAE_TEMPLATE.format(
        logvar="self.mu(h) + 0 * self.logvar(h)", z="reparameterize(mu, logvar, eps)")),
    "VAE decodes the mean, ignoring eps": ("vae.VAE", VAE_TEMPLATE.format(logvar="self.logvar(h)", z="mu")),
    "sampling from a uniform prior": ("vae.sample", """
        def sample(model, n, seed):
            z = torch.rand(n, model.mu.out_features, generator=torch.Generator().manual_seed(seed))
            with torch.no_grad():
                return model.decode(z)
    """),
    "sampling keeps the autograd graph": ("vae.sample", """
        def sample(model, n, seed):
            z = torch.randn(n, model.mu.out_features, generator=torch.Generator().manual_seed(seed))
            return model.decode(z)
    """),
    "scores averaged over features": ("anomaly.reconstruction_scores", """
        def reconstruction_scores(model, X):
            with torch.no_grad():
                return ((X - model(X)) ** 2).mean(dim=1)
    """),
    "scores keep the autograd graph": ("anomaly.reconstruction_scores", """
        def reconstruction_scores(model, X):
            return ((X - model(X)) ** 2).sum(dim=1)
    """),
    "threshold uses the quantile as a percentile": ("anomaly.fit_threshold", """
        def fit_threshold(normal_scores, quantile=0.95):
            return float(np.percentile(normal_scores, quantile))
    """),
    "threshold with nearest-rank interpolation": ("anomaly.fit_threshold", """
        def fit_threshold(normal_scores, quantile=0.95):
            return float(np.quantile(normal_scores, quantile, method="higher"))
    """),
    "flags at or above the threshold": ("anomaly.flag_anomalies", """
        def flag_anomalies(scores, threshold):
            return np.asarray(scores) >= threshold
    """),
}

ALTERNATIVES = {
    "reconstruction loss through mse_loss with sum reduction": ("autoencoder.reconstruction_loss", """
        def reconstruction_loss(x, x_hat):
            return torch.nn.functional.mse_loss(x_hat, x, reduction="sum") / x.shape[0]
    """),
    "training that zeroes gradients to zero tensors": ("autoencoder.train_autoencoder",
                                                       TRAIN.format(zero="optimizer.zero_grad(set_to_none=False)",
                                                                    record="loss.detach()")),
    "PCA by the SVD of the centered data": ("pca.pca_fit", """
        def pca_fit(X, k):
            mean = X.mean(axis=0)
            _, s, vt = np.linalg.svd(X - mean, full_matrices=True)
            values = np.zeros(X.shape[1])
            values[:len(s)] = s ** 2 / len(X)
            return mean, -vt[:k].copy(), values
    """),
    "reparameterization through sqrt(exp(logvar))": ("vae.reparameterize", """
        def reparameterize(mu, logvar, eps):
            return eps * torch.sqrt(torch.exp(logvar)) + mu
    """),
    "sampling with an explicit latent size attribute": ("vae.sample", """
        def sample(model, n, seed):
            generator = torch.Generator()
            generator.manual_seed(seed)
            latent = model.decoder[0].in_features
            with torch.no_grad():
                return model.decode(torch.randn(n, latent, generator=generator))
    """),
    "threshold by np.percentile": ("anomaly.fit_threshold", """
        def fit_threshold(normal_scores, quantile=0.95):
            return float(np.percentile(normal_scores, 100 * quantile))
    """),
}


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "reconstruction loss summed over the batch": ("autoencoder.reconstruction_loss", """
        def reconstruction_loss(x, x_hat):
            return ((x - x_hat) ** 2).sum()
    """, "N (the batch size) times too large"),
}


NARROWING = {
    "autoencoder ignores a given hidden_dim": ("autoencoder.Autoencoder",
                                               AE_TEMPLATE.format(enc="", dec=", nn.ReLU()").replace(
                                                   "super().__init__()", "super().__init__()\n            hidden_dim = 32")),
    "VAE ignores a given hidden_dim": ("vae.VAE", VAE_TEMPLATE.format(
        logvar="self.logvar(h)", z="reparameterize(mu, logvar, eps)").replace(
            "super().__init__()", "super().__init__()\n            hidden_dim = 32")),
    "PCA fails for k = D": ("pca.pca_fit", """
        def pca_fit(X, k):
            mean = X.mean(axis=0)
            values, vectors = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
            order = np.argsort(values)[::-1]
            return mean, vectors[:, order[:min(k, X.shape[1] - 1)]].T.copy(), values[order]
    """),
    "threshold ignores the quantile argument": ("anomaly.fit_threshold", """
        def fit_threshold(normal_scores, quantile=0.95):
            return float(np.quantile(normal_scores, 0.95))
    """),
    "flags a score equal to the threshold": ("anomaly.flag_anomalies", """
        def flag_anomalies(scores, threshold):
            return np.asarray(scores) >= threshold
    """),
}


def test_pca_training_same_score_under_10_ids(tmp_path):
    """Adam at a quarter of the learning rate reaches the PCA optimum on some data only: drawn per
    submission it kept the 3 points of linear_autoencoder_finds_pca under 8 of 10 ids; on the fixed
    data and initial weights (training.fixed_rng) one score under every id (train_autoencoder's
    first-steps check charges it)."""
    quarter = TRAIN.format(zero="optimizer.zero_grad()", record="loss.item()").replace("lr=lr)", "lr=lr / 4)")
    path = make_submission(tmp_path, UNIT, {"autoencoder.train_autoencoder": quarter})
    scores = scores_under_ids(path, UNIT, ["linear_autoencoder_finds_pca"], SUBMISSION_IDS[:10])
    assert len(set(scores.values())) == 1, f"the score depends on the submission id: {scores}"
